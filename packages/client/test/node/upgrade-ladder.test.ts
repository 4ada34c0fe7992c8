/**
 * The ladder's upgrades against this project's server: a session that opened on polling ends
 * on the best transport the server offers (websocket, else sse), probing one offer after
 * another, and a stream that stalls never holds messages back (they flow on polling while
 * its probe waits, and the session stays there).
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { after, afterEach, before, describe, test } from "node:test";
import { forgetTransports, io, type Socket } from "@switchboard/client";
import { Server } from "@switchboard/server";
import { next } from "../helpers.ts";

describe("upgrades after opening on polling", () => {
  let http: HttpServer;
  let server: Server;
  let url = "";
  const cut: Duplex[] = [];
  before(async () => {
    http = createServer();
    server = new Server(http, {});
    server.on("connection", (s) => {
      s.emit("welcome");
      s.on("echo", (...args: unknown[]) => (args.pop() as (...a: unknown[]) => void)(...args));
    });
    // A proxy that drops WebSocket upgrades: every upgrade request is cut.
    http.removeAllListeners("upgrade");
    http.on("upgrade", (_req, socket: Duplex) => {
      cut.push(socket);
      socket.destroy();
    });
    http.listen(0, "127.0.0.1");
    await once(http, "listening");
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterEach(() => forgetTransports());
  after(async () => {
    await server.close();
    http.closeAllConnections();
  });

  /** What the socket's engine reports of its probes, from its first one on. */
  function probes(socket: Socket): string[] {
    const seen: string[] = [];
    socket.io.on("open", () => {
      socket.io.engine!.on("upgradeError", (e: Error) => seen.push(`error:${e.message}`));
      socket.io.engine!.on("upgrade", (name: string) => seen.push(`upgrade:${name}`));
    });
    return seen;
  }

  test("default options, no WebSocket: opens on polling, then upgrades to sse", async () => {
    const socket = io(url, { forceNew: true });
    const seen = probes(socket);
    const welcome = next(socket, "welcome");
    await next(socket, "connect");
    assert.equal(socket.io.engine?.transport?.name, "polling");
    await welcome;
    await next(socket.io.engine!, "upgrade");
    assert.equal(socket.io.engine?.transport?.name, "sse");
    assert.deepEqual(seen, ["upgrade:sse"]);
    assert.equal(await socket.emitWithAck("echo", "on sse"), "on sse");
    const [serverSocket] = server.of("/").sockets.values();
    assert.equal(serverSocket?.conn.transport.name, "sse");
    socket.disconnect();
  });

  test("a failed probe moves on to the next offer: websocket refused, then sse", async () => {
    const socket = io(url, { forceNew: true, transports: ["polling", "websocket", "sse"] });
    const seen = probes(socket);
    await next(socket, "connect");
    await next(socket.io.engine!, "upgrade");
    assert.equal(socket.io.engine?.transport?.name, "sse");
    assert.equal(seen.length, 2, seen.join());
    assert.match(seen[0]!, /^error:/);
    assert.equal(seen[1], "upgrade:sse");
    assert.equal(await socket.emitWithAck("echo", "after"), "after");
    socket.disconnect();
  });

  test("a stalled sse stream: messages flow on polling meanwhile, and the session stays there", async () => {
    // The stream's GET of an upgrade is held unanswered, as a buffering proxy holds it.
    const held: import("node:http").ServerResponse[] = [];
    const hold = (
      req: import("node:http").IncomingMessage,
      res: import("node:http").ServerResponse,
    ) => {
      if (req.method === "GET" && /transport=sse&sid=/.test(req.url ?? "")) {
        held.push(res);
        req.url = "/held"; // not the engine's path: nothing answers it
      }
    };
    http.prependListener("request", hold);
    try {
      const socket = io(url, { forceNew: true, transportTimeout: 300 });
      const order: string[] = [];
      socket.on("welcome", () => order.push("welcome"));
      await next(socket, "connect");
      socket.io.engine!.on("upgradeError", () => order.push("probe failed"));
      const echoes: unknown[] = [];
      for (let i = 0; i < 5; i++) echoes.push(await socket.emitWithAck("echo", i));
      order.push("echoed");
      await next(socket.io.engine!, "upgradeError");
      assert.deepEqual(echoes, [0, 1, 2, 3, 4]);
      assert.equal(held.length, 1, "the sse probe was tried");
      // Everything arrived before the stalled probe gave up.
      assert.deepEqual(order, ["welcome", "echoed", "probe failed"]);
      assert.equal(socket.io.engine?.transport?.name, "polling");
      assert.equal(await socket.emitWithAck("echo", "still"), "still");
      socket.disconnect();
    } finally {
      http.removeListener("request", hold);
      for (const res of held) res.socket?.destroy();
    }
  });
});
