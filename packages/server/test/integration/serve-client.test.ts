/**
 * `serveClient` (on by default, as in Socket.IO): the Switchboard browser bundle at
 * `<path>socket.io.js`, `.min.js`, the ES module `socket.io.esm.min.js` and their source maps,
 * the files of @switchboard/client's build, with an ETag (304 on If-None-Match) and gzip; every
 * other request reaches the application's listener and the engine as before.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { existsSync, readFileSync } from "node:fs";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { Server, type ServerOptions } from "@switchboard/server";

const client = join(dirname(fileURLToPath(import.meta.url)), "../../../client");
const dist = join(client, "dist");
const built = ["switchboard.js", "switchboard.min.js", "switchboard.esm.min.js"];

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function get(port: number, path: string, headers: Record<string, string> = {}, method = "GET") {
  return new Promise<Answer>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

/** An application's HTTP server (its own 404 answers) with a Switchboard server on it. */
async function app(options?: ServerOptions) {
  const http = createServer((_req, res) => res.writeHead(404).end("app's own answer"));
  const io = new Server(http, options);
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  return { http, io, port: (http.address() as AddressInfo).port };
}

describe("serveClient", () => {
  before(() => {
    // `npm install` builds the client package; build its bundles here when that has not run.
    if (built.every((file) => existsSync(join(dist, file)))) return;
    const run = spawnSync(process.execPath, ["scripts/bundle.mjs", "--no-size-check"], {
      cwd: client,
      stdio: "inherit",
    });
    assert.equal(run.status, 0);
  });

  test("by default: the bundle, the minified bundle, the ES module and their maps", async () => {
    const { io, port } = await app();
    try {
      const files: [string, string, RegExp][] = [
        ["socket.io.js", "switchboard.js", /^application\/javascript; charset=utf-8$/],
        ["socket.io.min.js", "switchboard.min.js", /^application\/javascript/],
        ["socket.io.esm.min.js", "switchboard.esm.min.js", /^application\/javascript/],
        ["socket.io.js.map", "switchboard.js.map", /^application\/json/],
        ["socket.io.min.js.map", "switchboard.min.js.map", /^application\/json/],
        ["socket.io.esm.min.js.map", "switchboard.esm.min.js.map", /^application\/json/],
        ["switchboard.min.js.map", "switchboard.min.js.map", /^application\/json/],
      ];
      for (const [served, file, type] of files) {
        const res = await get(port, `/socket.io/${served}`);
        assert.equal(res.status, 200, served);
        assert.match(String(res.headers["content-type"]), type);
        assert.deepEqual(res.body, readFileSync(join(dist, file)), served);
        assert.match(String(res.headers.etag), /^"[\w-]+"$/);
        assert.equal(res.headers["cache-control"], "public, max-age=0");
      }
      const esm = (await get(port, "/socket.io/socket.io.esm.min.js")).body.toString();
      assert.match(esm, /export\{[^}]*\bas io\b/, "the ES module exports io");
    } finally {
      await io.close();
    }
  });

  test("304 for a matching If-None-Match; gzip when accepted; HEAD without a body", async () => {
    const { io, port } = await app();
    try {
      const first = await get(port, "/socket.io/socket.io.min.js");
      const etag = String(first.headers.etag);
      const again = await get(port, "/socket.io/socket.io.min.js", { "if-none-match": etag });
      assert.equal(again.status, 304);
      assert.equal(again.body.length, 0);
      const other = await get(port, "/socket.io/socket.io.min.js", { "if-none-match": '"old"' });
      assert.equal(other.status, 200);
      const zipped = await get(port, "/socket.io/socket.io.min.js", { "accept-encoding": "gzip" });
      assert.equal(zipped.headers["content-encoding"], "gzip");
      assert.deepEqual(gunzipSync(zipped.body), first.body);
      const head = await get(port, "/socket.io/socket.io.js", {}, "HEAD");
      assert.equal(head.status, 200);
      assert.equal(head.body.length, 0);
    } finally {
      await io.close();
    }
  });

  test("other requests reach the application and the engine; close() puts the listener back", async () => {
    const { http, io, port } = await app({ path: "/rt" });
    try {
      assert.equal((await get(port, "/rt/socket.io.js")).status, 200, "under the server's path");
      const elsewhere = await get(port, "/socket.io/socket.io.js");
      assert.equal(elsewhere.body.toString(), "app's own answer");
      const unknown = await get(port, "/rt/other.js");
      assert.equal(unknown.body.toString(), "app's own answer");
      const handshake = await get(port, "/rt/?EIO=4&transport=polling");
      assert.match(handshake.body.toString(), /^0\{"sid"/);
    } finally {
      await io.close();
    }
    assert.equal(http.listenerCount("request"), 1, "only the application's listener is left");
  });

  test("serveClient: false serves nothing: the application answers", async () => {
    const { io, port } = await app({ serveClient: false });
    try {
      const res = await get(port, "/socket.io/socket.io.js");
      assert.equal(res.status, 404);
      assert.equal(res.body.toString(), "app's own answer");
    } finally {
      await io.close();
    }
  });
});
