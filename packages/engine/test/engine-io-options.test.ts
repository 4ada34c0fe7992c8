/**
 * Options Engine.IO accepts: each one is honoured, or refused by name with a coded error that
 * says why (never ignored in silence).
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo, Socket as NetSocket } from "node:net";
import { describe, test } from "node:test";
import WebSocket, { WebSocketServer } from "ws";
import { Engine, type EngineOptions } from "../src/index.js";
import { pollingHandshake, send, startEngine, url } from "./helpers.js";

describe("refused by name, with the reason", () => {
  const cases: [string, EngineOptions, RegExp][] = [
    ["allowEIO3: true", { allowEIO3: true }, /^allowEIO3 is not supported: only Engine\.IO v4/],
    ["a custom wsEngine", { wsEngine: class Other {} }, /^wsEngine is not supported: .*ws/],
    [
      "cors as a function",
      { cors: ((_req: unknown, cb: () => void) => cb()) as unknown as false },
      /^cors \(a function\) is not supported: give an options object/,
    ],
    [
      "the webtransport transport",
      { transports: ["polling", "webtransport"] },
      /^transports: webtransport is not supported/,
    ],
  ];
  for (const [name, options, message] of cases) {
    test(name, () => {
      assert.throws(() => new Engine(options), { code: "SB_ERR_UNSUPPORTED_OPTION", message });
    });
  }

  test("addTrailingSlash of the wrong type", () => {
    assert.throws(() => new Engine({ addTrailingSlash: "no" as unknown as boolean }), {
      code: "SB_ERR_BAD_OPTION",
    });
  });
});

describe("honoured", () => {
  test("allowEIO3: false and ws's own WebSocketServer as wsEngine are accepted", () => {
    assert.doesNotThrow(() => new Engine({ allowEIO3: false, wsEngine: WebSocketServer }));
  });

  for (const addTrailingSlash of [true, false]) {
    test(`addTrailingSlash: ${addTrailingSlash}: the path is answered with and without the slash`, async () => {
      const h = await startEngine({ addTrailingSlash });
      try {
        for (const path of ["/engine.io/", "/engine.io"]) {
          const res = await send(h.port, "GET", `${path}?EIO=4&transport=polling`);
          assert.equal(res.status, 200);
          assert.match(res.text, /^0\{/);
        }
      } finally {
        await h.close();
      }
    });
  }

  test("perMessageDeflate passes ws's options on (server_no_context_takeover)", async () => {
    const h = await startEngine({
      perMessageDeflate: { threshold: 0, serverNoContextTakeover: true },
    });
    try {
      const ws = new WebSocket(`ws://127.0.0.1:${h.port}${url("EIO=4&transport=websocket")}`);
      const [res] = (await once(ws, "upgrade")) as [{ headers: Record<string, string> }];
      assert.match(res.headers["sec-websocket-extensions"] ?? "", /server_no_context_takeover/);
      ws.close();
      await once(ws, "close");
    } finally {
      await h.close();
    }
  });

  test("httpCompression passes zlib's options on (level 0 stores, the default compresses)", async () => {
    const sizes: number[] = [];
    for (const httpCompression of [{ threshold: 0, level: 0 }, { threshold: 0 }]) {
      const h = await startEngine({ httpCompression });
      try {
        const { sid, session } = await pollingHandshake(h);
        const text = "a".repeat(10_000);
        session.send(text);
        const res = await send(h.port, "GET", url(`EIO=4&transport=polling&sid=${sid}`), {
          headers: { "accept-encoding": "gzip" },
        });
        assert.equal(res.headers["content-encoding"], "gzip");
        sizes.push(res.body.length);
        session.close();
      } finally {
        await h.close();
      }
    }
    const [stored, compressed] = sizes as [number, number];
    assert.ok(stored > 10_000, `level 0 stores the body (${stored} bytes)`);
    assert.ok(compressed < 1_000, `the default level compresses it (${compressed} bytes)`);
  });

  test("cookie: expires, partitioned, priority, sameSite true and encode", async () => {
    const expires = new Date(Date.UTC(2030, 0, 1));
    const h = await startEngine({
      cookie: {
        name: "c",
        expires,
        partitioned: true,
        priority: "high",
        sameSite: true,
        encode: (v) => `x-${v}`,
      },
    });
    try {
      const { sid, res } = await pollingHandshake(h);
      assert.deepEqual(res.headers["set-cookie"], [
        `c=x-${sid}; Path=/; Expires=${expires.toUTCString()}; HttpOnly; Partitioned; Priority=High; SameSite=Strict`,
      ]);
    } finally {
      await h.close();
    }
  });

  for (const destroyUpgrade of [true, false]) {
    test(`destroyUpgrade: ${destroyUpgrade}: a foreign upgrade nothing answers is ${destroyUpgrade ? "ended after destroyUpgradeTimeout" : "left alone"}`, async (t) => {
      const server = createServer();
      const engine = new Engine({ destroyUpgrade, destroyUpgradeTimeout: 500 });
      engine.attach(server);
      // Another listener takes note of the upgrade and never answers it.
      const sockets: NetSocket[] = [];
      server.on("upgrade", (_req, socket: NetSocket) => sockets.push(socket));
      server.listen(0, "127.0.0.1");
      await once(server, "listening");
      const { port } = server.address() as AddressInfo;
      const ws = new WebSocket(`ws://127.0.0.1:${port}/elsewhere`);
      ws.on("error", () => {});
      try {
        t.mock.timers.enable({ apis: ["setTimeout"] });
        await once(server, "upgrade");
        t.mock.timers.tick(499);
        assert.equal(sockets[0]!.writableEnded, false, "not before the timeout");
        t.mock.timers.tick(1);
        assert.equal(sockets[0]!.writableEnded, destroyUpgrade);
      } finally {
        t.mock.timers.reset();
        ws.terminate();
        for (const socket of sockets) socket.destroy();
        engine.close();
        server.closeAllConnections();
        server.close();
      }
    });
  }
});
