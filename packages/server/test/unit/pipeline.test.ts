/**
 * The connection's stages: every frame out (emits, acks, CONNECT, CONNECT_ERROR, broadcasts)
 * and every packet in passes the policies of `io.pipeline`; flow control is one of them.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ConnectionPolicy, DisconnectReason } from "@switchboard/server";
import { type FakeSession, fakeServer, tick } from "../helpers.ts";

const KIB = 1024;

async function connected(options = {}) {
  const { io, engine } = fakeServer(options);
  const session = engine.open();
  session.receive("0");
  await tick();
  session.take();
  const socket = [...io.sockets.sockets.values()][0]!;
  return { io, engine, session, socket };
}

test("every frame out and every packet in passes the stages, broadcasts encoded once", async () => {
  const { io, engine } = fakeServer();
  const out: unknown[] = [];
  const inn: string[] = [];
  const policy: ConnectionPolicy = {
    name: "spy",
    outbound(_conn, frames) {
      out.push(frames);
      return true;
    },
    inbound(_conn, packet) {
      inn.push(`${packet.type}${packet.nsp}`);
      return true;
    },
  };
  io.pipeline.add(policy);
  io.on("connection", (socket) => {
    socket.on("ask", (ack: (v: string) => void) => ack("yes"));
  });
  const a = engine.open();
  const b = engine.open();
  a.receive("0");
  b.receive("0");
  a.receive("0/nope,");
  await tick();
  a.receive('20["ask"]');
  io.emit("all", 1);
  await tick();
  // CONNECT x2, CONNECT_ERROR, ACK, then the broadcast: the same frames object for both.
  assert.equal(out.length, 6);
  assert.equal(out[4], out[5]);
  assert.deepEqual(inn, ["0/", "0/", "0/nope", "2/"]);
  assert.deepEqual(a.take().slice(1), [
    '4/nope,{"message":"Invalid namespace"}',
    '30["yes"]',
    '2["all",1]',
  ]);
  // A policy that says no drops the frame for that connection only.
  io.pipeline.remove(policy).add({ name: "no", outbound: (conn) => conn.id !== a.id });
  io.emit("again");
  assert.deepEqual(a.take(), []);
  assert.deepEqual(b.take().slice(-1), ['2["again"]']);
  await io.close();
});

test("emit returns false over half of maxBufferedBytes, reading pauses, drain resumes both", async () => {
  const { io, session, socket } = await connected({ maxBufferedBytes: 64 * KIB });
  let drains = 0;
  socket.on("drain", () => drains++);
  assert.equal(socket.emit("a", 1), true);
  session.stall();
  assert.equal(socket.emit("b", "x".repeat(33 * KIB)), false);
  assert.ok(session.bufferedAmount > 32 * KIB);
  assert.equal(session.paused, true);
  // Still under the limit: kept, nothing dropped.
  assert.equal(socket.emit("c", 3), false);
  assert.deepEqual(
    session.take().map((f) => String(f).slice(0, 8)),
    ['2["a",1]', '2["b","x', '2["c",3]'],
  );
  session.flush();
  assert.equal(drains, 1);
  assert.equal(session.paused, false);
  assert.equal(socket.emit("d", 4), true);
  // The session's drain is only listened to while waiting for one.
  assert.equal(session.listenerCount("drain"), 0);
  await io.close();
});

test("volatile packets are dropped first, past the limit the connection closes: slow consumer", async () => {
  const { io, session, socket } = await connected({ maxBufferedBytes: 64 * KIB });
  const reasons: DisconnectReason[] = [];
  socket.on("disconnect", (reason) => reasons.push(reason));
  session.stall();
  socket.emit("fill", "x".repeat(40 * KIB));
  socket.volatile.emit("dropped");
  socket.emit("kept");
  assert.deepEqual(session.take().slice(1), ['2["kept"]']);
  socket.emit("over", "x".repeat(25 * KIB));
  assert.deepEqual(reasons, ["slow consumer"]);
  assert.deepEqual(session.discards, [true]);
  assert.equal(io.clientsCount, 0);
  await io.close();
});

test("one large message to a drained connection goes through", async () => {
  const { io, session, socket } = await connected({ maxBufferedBytes: 64 * KIB });
  session.stall();
  assert.equal(socket.emit("big", "x".repeat(200 * KIB)), false);
  assert.equal(session.state, "open");
  await io.close();
});

function closedWith(session: FakeSession): boolean {
  return session.state === "closed";
}

test("maxNamespacesPerConnection: a CONNECT beyond is refused; long names are refused unkept", async () => {
  const { io, session } = await connected({ maxNamespacesPerConnection: 2 });
  io.of("/a");
  io.of("/b");
  session.receive("0/a,");
  session.receive("0/b,");
  await tick();
  assert.deepEqual(
    session.take().map((f) => String(f).slice(0, 3)),
    ["0/a", "4/b"],
  );
  session.receive(`0/${"n".repeat(2000)},`);
  await tick();
  assert.match(String(session.take()[0]), /^4\/n+,\{"message":"namespace name too long"\}$/);
  assert.equal(closedWith(session), false);
  await io.close();
});
