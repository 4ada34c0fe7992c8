/**
 * Sessions closed by the server release what they hold at once: handshakes abandoned before
 * any namespace (closed by connectTimeout) leave no engine session behind, and POST bodies
 * still arriving on them are answered and let go. The old code kept such sessions "closing"
 * for pingInterval + pingTimeout (45 s by default) and held their POSTs as long.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type IncomingMessage, request } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { Server } from "@switchboard/server";

const SESSIONS = 1000;
const SLOW_POSTS = 200;
const BATCH = 100;

function handshake(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/socket.io/?EIO=4&transport=polling`, { agent: false }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        text += c;
      });
      res.on("end", () => resolve((JSON.parse(text.slice(1)) as { sid: string }).sid));
    });
    req.on("error", reject);
    req.end();
  });
}

test(`${SESSIONS} abandoned handshakes and ${SLOW_POSTS} slow POSTs are released when connectTimeout closes them`, async (t) => {
  const http = createServer();
  const io = new Server(http, { connectTimeout: 300, serveClient: false });
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const answered: Promise<number>[] = [];
  const requests: ReturnType<typeof request>[] = [];
  let opened = 0;
  io.engine.on("connection", () => opened++);
  try {
    for (let i = 0; i < SESSIONS; i += BATCH) {
      const sids = await Promise.all(Array.from({ length: BATCH }, () => handshake(url)));
      for (const sid of sids.slice(0, Math.max(0, SLOW_POSTS - i))) {
        // A POST announcing 1,000 bytes that sends 5 and then nothing.
        const req = request(`${url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, {
          method: "POST",
          agent: false,
          headers: { "Content-Length": "1000" },
        });
        req.on("error", () => {});
        req.write("40abc");
        requests.push(req);
        answered.push(
          once(req, "response").then(([res]) => (res as IncomingMessage).statusCode ?? 0),
        );
      }
    }
    assert.equal(opened, SESSIONS);
    // Every session is closed by its connect timer; the deadline only bounds a failing run.
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, 10_000).unref());
    const closed = new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (io.clientsCount === 0) {
          clearInterval(check);
          resolve();
        }
      }, 20);
      check.unref();
    });
    await Promise.race([closed, deadline]);
    const settled = await Promise.race([
      Promise.all(answered),
      deadline.then(() => [] as number[]),
    ]);
    t.diagnostic(
      `after connectTimeout: ${io.engine.clientsCount} engine sessions left, ${SLOW_POSTS - settled.length} slow POSTs unanswered`,
    );
    assert.equal(io.clientsCount, 0);
    assert.equal(io.engine.clientsCount, 0, "no session is left closing");
    assert.equal(settled.length, SLOW_POSTS, "every slow POST was answered");
    assert.ok(settled.every((status) => status === 400));
  } finally {
    for (const req of requests) req.destroy();
    http.closeAllConnections();
    await io.close();
  }
});
