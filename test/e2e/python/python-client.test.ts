/**
 * python-socketio's client (Debian's python3-socketio 5.7 on aiohttp) against the Switchboard
 * server, over polling, websocket, and polling upgraded to websocket: connect with auth to two
 * namespaces, events and acks both ways, binary both ways.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { Server, type Socket } from "@switchboard/server";
import { runPythonClient } from "./harness.ts";

const modes = [
  { name: "polling", transports: ["polling"], expect: "polling" },
  { name: "websocket", transports: ["websocket"], expect: "websocket" },
  { name: "upgrade", transports: ["polling", "websocket"], expect: "websocket" },
] as const;

describe("python-socketio client -> Switchboard server", { timeout: 120_000 }, () => {
  const http = createServer();
  const io = new Server(http);
  let url = "";
  /** What the server saw of each connection: namespace, auth, transport at the end. */
  const seen: { nsp: string; auth: unknown; socket: Socket }[] = [];

  const serve = (socket: Socket) => {
    seen.push({ nsp: socket.nsp.name, auth: socket.handshake.auth, socket });
    socket.emit("welcome", { nsp: socket.nsp.name, auth: socket.handshake.auth });
    socket.on("echo", (...args: unknown[]) => {
      const ack = args.pop() as (...a: unknown[]) => void;
      ack(...args);
    });
    socket.on("bounce", (...args: unknown[]) => socket.emit("bounced", ...args));
    socket.on("ask-me", async (n: number) => {
      socket.emit("answer", await socket.emitWithAck("question", n));
    });
    socket.on("binary", (data: { bytes: Buffer }, ack: (v: unknown) => void) => {
      ack({ reversed: Buffer.from(data.bytes).reverse(), length: data.bytes.length });
    });
    socket.on("push-binary", () => socket.emit("pushed", { bytes: Buffer.from([1, 2, 3]) }));
  };

  before(async () => {
    io.on("connection", serve);
    io.of("/admin").on("connection", serve);
    http.listen(0, "127.0.0.1");
    await once(http, "listening");
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((resolve) => io.close(() => resolve()));
  });

  for (const mode of modes) {
    test(`${mode.name}: connect, events and acks both ways, binary, two namespaces`, async () => {
      seen.length = 0;
      const report = await runPythonClient(url, mode.transports);
      assert.equal(report.transport, mode.expect);
      assert.deepEqual(
        seen.map((s) => [s.nsp, s.auth]),
        [
          ["/", { token: "py" }],
          ["/admin", { token: "py" }],
        ],
      );
      assert.deepEqual(
        seen.map((s) => s.socket.id),
        [report.sid, report.adminSid],
      );
      assert.deepEqual(report.events, [
        ["/", "welcome", { nsp: "/", auth: { token: "py" } }],
        ["/admin", "welcome", { nsp: "/admin", auth: { token: "py" } }],
      ]);
      assert.deepEqual(report.echo, { n: 1, list: [1, "two", null] });
      assert.equal(report.adminEcho, "admin");
      assert.deepEqual(report.bounced, [["a", 1]]);
      assert.deepEqual(report.questions, [["/", 21]]);
      assert.equal(report.answer, 42);
      assert.deepEqual(report.binaryAck, { hex: "ff030201", type: "bytes" });
      assert.deepEqual(report.pushed, { hex: "010203", type: "bytes" });
      // The server ended on the transport the client reports, and saw both namespaces leave.
      for (const { socket } of seen) {
        assert.equal(socket.conn.transport.name, mode.expect);
        assert.equal(socket.connected, false);
      }
    });
  }
});
