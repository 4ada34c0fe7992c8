/**
 * The ladder's upgrades against this project's server: a session that opened on polling ends
 * on the best transport the server offers (websocket, else sse), probing one offer after
 * another, and a stream that stalls never holds messages back (they flow on polling while
 * its probe waits, and the session stays there).
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import {
  createServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { after, afterEach, before, describe, test } from "node:test";
import { forgetTransports, io, type Socket } from "@switchboard/client";
import { Server } from "@switchboard/server";
import { next } from "../helpers.ts";

describe("upgrades after opening on polling", { timeout: 60_000 }, () => {
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

  /**
   * What the socket's engine reports of its probes, from its first one on, and a promise of
   * its first upgrade (listened to before any probe can end, whatever the machine's speed).
   */
  function probes(socket: Socket): { seen: string[]; upgraded: Promise<string> } {
    const seen: string[] = [];
    const upgraded = new Promise<string>((resolve) => {
      socket.io.on("open", () => {
        socket.io.engine!.on("upgradeError", (e: Error) => seen.push(`error:${e.message}`));
        socket.io.engine.on("upgrade", ({ name }) => {
          seen.push(`upgrade:${name}`);
          resolve(name);
        });
      });
    });
    return { seen, upgraded };
  }

  test("default options, no WebSocket: opens on polling, then upgrades to sse", async () => {
    const socket = io(url, { forceNew: true });
    const { seen, upgraded } = probes(socket);
    const welcome = next(socket, "welcome");
    await next(socket, "connect");
    assert.equal(socket.io.engine?.transport?.name, "polling");
    await welcome;
    assert.equal(await upgraded, "sse");
    assert.equal(socket.io.engine?.transport?.name, "sse");
    assert.deepEqual(seen, ["upgrade:sse"]);
    assert.equal(await socket.emitWithAck("echo", "on sse"), "on sse");
    const [serverSocket] = server.of("/").sockets.values();
    assert.equal(serverSocket?.conn.transport.name, "sse");
    socket.disconnect();
  });

  test("a failed probe moves on to the next offer: websocket refused, then sse", async () => {
    const socket = io(url, { forceNew: true, transports: ["polling", "websocket", "sse"] });
    const { seen, upgraded } = probes(socket);
    await next(socket, "connect");
    assert.equal(await upgraded, "sse");
    assert.equal(socket.io.engine?.transport?.name, "sse");
    assert.equal(seen.length, 2, seen.join());
    assert.match(seen[0]!, /^error:/);
    assert.equal(seen[1], "upgrade:sse");
    assert.equal(await socket.emitWithAck("echo", "after"), "after");
    socket.disconnect();
  });

  test("a stalled sse stream: messages flow on polling meanwhile, and the session stays there", async () => {
    // The stream's GET of an upgrade is held unanswered, as a buffering proxy holds it.
    const held: ServerResponse[] = [];
    const streamHeld = new Promise<void>((resolve) => {
      const hold = (req: IncomingMessage, res: ServerResponse) => {
        if (req.method !== "GET" || !/transport=sse&sid=/.test(req.url ?? "")) return;
        http.removeListener("request", hold);
        held.push(res);
        req.url = "/held"; // not the engine's path: nothing answers it
        resolve();
      };
      http.prependListener("request", hold);
    });
    // No probe timeout during the test: the stream ends when the test cuts it.
    const socket = io(url, { forceNew: true, transportTimeout: 60_000 });
    const { seen } = probes(socket);
    try {
      await next(socket, "welcome");
      await streamHeld;
      const echoes: unknown[] = [];
      for (let i = 0; i < 5; i++) echoes.push(await socket.emitWithAck("echo", i));
      assert.deepEqual(echoes, [0, 1, 2, 3, 4]);
      assert.deepEqual(seen, [], "the probe is still waiting: messages did not");
      assert.equal(socket.io.engine?.transport?.name, "polling");
      const failed = next(socket.io.engine!, "upgradeError");
      held[0]!.socket?.destroy(); // the proxy gives up on the stream
      await failed;
      assert.equal(socket.io.engine?.transport?.name, "polling");
      assert.equal(await socket.emitWithAck("echo", "still"), "still");
    } finally {
      socket.disconnect();
      for (const res of held) res.socket?.destroy();
    }
  });
});
