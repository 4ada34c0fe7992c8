/**
 * The Switchboard client against python-socketio's server (Debian's python3-socketio 5.7 on
 * aiohttp, server.py, a child process on a free loopback port), over polling, websocket, and
 * polling upgraded to websocket: connect, events and acks both ways, binary, two namespaces,
 * and what python-socketio answers to a namespace it will not connect: a CONNECT_ERROR whose
 * payload is a string (`44/nope,"Unable to connect"`), which must cost that namespace only.
 */
import assert from "node:assert/strict";
import { after, afterEach, before, describe, test } from "node:test";
import { type ClientError, type ClientOptions, io, type Socket } from "@switchboard/client";
import { next } from "../../../packages/client/test/helpers.ts";
import { type PythonServer, startPythonServer } from "./harness.ts";

const modes: { name: string; options: ClientOptions; expect: string }[] = [
  { name: "polling", options: { transports: ["polling"] }, expect: "polling" },
  { name: "websocket", options: { transports: ["websocket"] }, expect: "websocket" },
  { name: "upgrade", options: { transports: ["polling", "websocket"] }, expect: "websocket" },
];

describe("Switchboard client -> python-socketio server", { timeout: 120_000 }, () => {
  let server: PythonServer;
  const sockets: Socket[] = [];
  before(async () => {
    server = await startPythonServer();
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.io.disconnect();
  });
  after(async () => {
    await server.stop();
  });

  for (const mode of modes) {
    describe(mode.name, () => {
      /** Connects to "/" and waits for the server's welcome (and for the upgrade, if any). */
      const connect = async (extra: ClientOptions = {}): Promise<Socket> => {
        const socket = io(server.url, { forceNew: true, ...mode.options, ...extra });
        sockets.push(socket);
        const welcome = next(socket, "welcome");
        await next(socket, "connect");
        assert.deepEqual(await welcome, [{ nsp: "/", auth: extra.auth ?? null }]);
        if (mode.name === "upgrade" && socket.io.engine?.transport?.name !== "websocket") {
          await next(socket.io.engine!, "upgrade");
        }
        return socket;
      };

      test("connects with auth and names its transport", async () => {
        const socket = await connect({ auth: { token: "sb" } });
        assert.equal(socket.connected, true);
        assert.equal(typeof socket.id, "string");
        assert.equal(socket.io.engine?.transport?.name, mode.expect);
      });

      test("events and acks both ways", async () => {
        const socket = await connect();
        const bounced = next(socket, "bounced");
        socket.emit("bounce", 1, "two", { three: [3] }, null);
        assert.deepEqual(await bounced, [1, "two", { three: [3] }, null]);
        // Client -> server acks: the handler's return value (a tuple is several arguments).
        const acked = await new Promise((resolve) =>
          socket.emit("echo", "x", 2, (...args: unknown[]) => resolve(args)),
        );
        assert.deepEqual(acked, ["x", 2]);
        assert.equal(await socket.emitWithAck("echo", "y"), "y");
        // Server -> client ack: python-socketio's call() awaits our answer, then reports it.
        socket.on("question", (n: number, ack: (v: number) => void) => ack(n * 2));
        const answer = next(socket, "answer");
        socket.emit("ask-me", 21);
        assert.deepEqual(await answer, [42]);
      });

      test("binary both ways", async () => {
        const socket = await connect();
        const reply = (await socket.emitWithAck("binary", {
          bytes: Buffer.from([1, 2, 3, 255]),
        })) as { reversed: Buffer; length: number };
        assert.deepEqual([...reply.reversed], [255, 3, 2, 1]);
        assert.equal(reply.length, 4);
        const pushed = next<[{ bytes: Buffer }]>(socket, "pushed");
        socket.emit("push-binary");
        assert.deepEqual([...(await pushed)[0].bytes], [1, 2, 3]);
      });

      test("two namespaces on one connection; socket(nsp) then connect() joins once", async () => {
        const root = await connect();
        const admin = root.io.socket("/admin");
        // A common pattern: the socket connects by itself (autoConnect), and the app calls
        // connect() too. One CONNECT must go out: python-socketio refuses a second one.
        admin.connect();
        const [welcome] = await next(admin, "welcome");
        assert.deepEqual(welcome, { nsp: "/admin", auth: null });
        assert.equal(admin.connected, true);
        assert.deepEqual(await admin.emitWithAck("echo", "admin"), "admin");
        assert.deepEqual(await root.emitWithAck("echo", "root"), "root");
        admin.disconnect();
        assert.equal(root.connected, true);
        assert.equal(await root.emitWithAck("echo", "still"), "still");
      });

      test('a refused namespace (44/nope,"Unable to connect") costs that namespace only', async () => {
        const root = await connect();
        const admin = root.io.socket("/admin");
        await next(admin, "connect");
        const nope = root.io.socket("/nope");
        const [error] = await next<[ClientError]>(nope, "connect_error");
        assert.equal(error.code, "SB_ERR_CONNECT_REFUSED");
        assert.equal(error.message, "Unable to connect");
        assert.equal(nope.active, false);
        assert.equal(root.connected, true);
        assert.equal(admin.connected, true);
        assert.equal(await root.emitWithAck("echo", 1), 1);
        assert.equal(await admin.emitWithAck("echo", 2), 2);
        assert.equal(root.io.engine?.transport?.name, mode.expect);
      });
    });
  }

  test("the server logged no error", () => {
    assert.doesNotMatch(server.log(), /Traceback|ERROR/);
  });
});
