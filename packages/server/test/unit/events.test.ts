import assert from "node:assert/strict";
import { test } from "node:test";
import {
  AckTimeoutError,
  ReservedEventError,
  ServerErrorCode,
  type Socket,
} from "@switchboard/server";
import { type FakeSession, fakeServer, tick } from "../helpers.ts";

async function connected(): Promise<{
  io: ReturnType<typeof fakeServer>["io"];
  session: FakeSession;
  socket: Socket;
}> {
  const { io, engine } = fakeServer();
  const session = engine.open();
  session.receive("0");
  await tick();
  session.take();
  const socket = [...io.sockets.sockets.values()][0]!;
  return { io, session, socket };
}

test("incoming events reach listeners with every argument", async () => {
  const { io, session, socket } = await connected();
  const got: unknown[][] = [];
  socket.on("msg", (...args) => got.push(args));
  session.receive('2["msg",1,"two",{"three":[3]},null]');
  assert.deepEqual(got, [[1, "two", { three: [3] }, null]]);
  await io.close();
});

test("a client ack request gets exactly one ACK back", async () => {
  const { io, session, socket } = await connected();
  socket.on("sum", (a: number, b: number, ack: (n: number) => void) => {
    ack(a + b);
    ack(0);
  });
  session.receive('27["sum",1,2]');
  assert.deepEqual(session.take(), ["37[3]"]);
  await io.close();
});

test("an ack with binary is sent as BINARY_ACK plus attachment", async () => {
  const { io, session, socket } = await connected();
  socket.on("get", (ack: (b: Buffer) => void) => ack(Buffer.from([1])));
  session.receive('23["get"]');
  assert.deepEqual(session.take(), ['61-3[{"_placeholder":true,"num":0}]', Buffer.from([1])]);
  await io.close();
});

test("server emit with an ack callback gets the client's answer", async () => {
  const { io, session, socket } = await connected();
  let answer: unknown;
  socket.emit("ask", "q", (a: unknown) => {
    answer = a;
  });
  assert.deepEqual(session.take(), ['20["ask","q"]']);
  session.receive('30["yes"]');
  assert.equal(answer, "yes");
  // an ACK for an unknown (e.g. expired) id is ignored
  session.receive('399["late"]');
  assert.equal(session.state, "open");
  await io.close();
});

test("timeout(ms).emit calls back with an error first", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const { io, session, socket } = await connected();
  const calls: unknown[][] = [];
  socket.timeout(100).emit("a", (...args: unknown[]) => calls.push(args));
  socket.timeout(100).emit("b", (...args: unknown[]) => calls.push(args));
  session.receive('31["fine"]');
  t.mock.timers.tick(100);
  assert.deepEqual(calls[0], [null, "fine"]);
  assert.ok(calls[1]![0] instanceof AckTimeoutError);
  assert.equal((calls[1]![0] as AckTimeoutError).message, "operation has timed out");
  assert.equal(calls.length, 2);
  await io.close();
});

test("emitWithAck resolves, and rejects on timeout", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const { io, session, socket } = await connected();
  const ok = socket.emitWithAck("a", 1);
  session.receive('30["r"]');
  assert.equal(await ok, "r");
  const late = socket.timeout(50).emitWithAck("b");
  t.mock.timers.tick(50);
  await assert.rejects(late, { code: ServerErrorCode.ACK_TIMEOUT });
  await io.close();
});

test("a timeout ack whose socket disconnects fails with the timeout, when it elapses (as Socket.IO)", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const { io, session, socket } = await connected();
  const errors: unknown[] = [];
  socket.timeout(10_000).emit("a", (e: unknown) => errors.push(e));
  const promised = socket.timeout(10_000).emitWithAck("b");
  let untimed = 0;
  socket.emit("c", () => untimed++);
  session.drop();
  t.mock.timers.tick(9_999);
  assert.deepEqual(errors, [], "nothing before the timeout");
  t.mock.timers.tick(1);
  assert.deepEqual(
    errors.map((e) => [(e as { code: string }).code, (e as Error).message]),
    [[ServerErrorCode.ACK_TIMEOUT, "operation has timed out"]],
  );
  await assert.rejects(promised, { code: ServerErrorCode.ACK_TIMEOUT });
  assert.equal(untimed, 0, "an ack without a timeout is never called");
  assert.equal(socket.pendingAcks, 0, "and none is kept");
  await io.close();
});

test("reserved event names are refused on emit", async () => {
  const { io, socket } = await connected();
  for (const name of [
    "connect",
    "connect_error",
    "disconnect",
    "disconnecting",
    "newListener",
    "removeListener",
  ]) {
    assert.throws(() => socket.emit(name), ReservedEventError);
    assert.throws(() => io.emit(name), ReservedEventError);
    assert.throws(() => io.to("r").emit(name), ReservedEventError);
  }
  assert.throws(() => io.serverSideEmit("connection"), ReservedEventError);
  await io.close();
});

test("onAny, prependAny, offAny see incoming events before listeners", async () => {
  const { io, session, socket } = await connected();
  const order: string[] = [];
  const any = (ev: string) => order.push(`any:${ev}`);
  socket.onAny(any);
  socket.prependAny((ev: string) => order.push(`first:${ev}`));
  socket.on("x", () => order.push("x"));
  session.receive('2["x"]');
  assert.deepEqual(order, ["first:x", "any:x", "x"]);
  socket.offAny(any);
  assert.equal(socket.listenersAny().length, 1);
  socket.offAny();
  assert.equal(socket.listenersAny().length, 0);
  await io.close();
});

test("onAnyOutgoing sees emits and broadcasts", async () => {
  const { io, socket } = await connected();
  const seen: unknown[][] = [];
  socket.onAnyOutgoing((...args: unknown[]) => seen.push(args));
  socket.emit("direct", 1);
  io.emit("broadcast", 2);
  assert.deepEqual(seen, [
    ["direct", 1],
    ["broadcast", 2],
  ]);
  socket.offAnyOutgoing();
  socket.emit("direct", 3);
  assert.equal(seen.length, 2);
  await io.close();
});

test("socket.use middlewares can rewrite or refuse incoming events", async () => {
  const { io, session, socket } = await connected();
  const got: unknown[] = [];
  const errors: string[] = [];
  socket.use((event, next) => {
    if (event[0] === "forbidden") return next(new Error("nope"));
    event[1] = `${String(event[1])}!`;
    next();
  });
  socket.on("msg", (text: string) => got.push(text));
  socket.on("forbidden", () => got.push("should not happen"));
  socket.on("error", (err) => errors.push(err.message));
  session.receive('2["msg","hi"]');
  session.receive('2["forbidden"]');
  assert.deepEqual(got, ["hi!"]);
  assert.deepEqual(errors, ["nope"]);
  await io.close();
});

test("a socket.use middleware that throws refuses the event as next(err) would, as io.use's do", async () => {
  const { io, session, socket } = await connected();
  const got: unknown[] = [];
  const errors: string[] = [];
  socket.use((event, next) => {
    if (event[0] === "bad") throw new Error("thrown");
    if (event[0] === "odd") throw "not an error";
    next();
  });
  socket.on("bad", () => got.push("bad"));
  socket.on("msg", (text: string) => got.push(text));
  socket.on("error", (err) => errors.push(err.message));
  session.receive('2["bad"]');
  session.receive('2["odd"]');
  session.receive('2["msg","after"]');
  assert.deepEqual(got, ["after"]);
  assert.deepEqual(errors, ["thrown", "not an error"]);
  assert.equal(socket.connected, true);
  await io.close();
});

test("a middleware that calls next twice, or next and then throws, runs the rest once", async () => {
  const { io, session, socket } = await connected();
  const seen: string[] = [];
  const errors: string[] = [];
  socket.use((_event, next) => {
    next();
    next();
    throw new Error("late");
  });
  socket.use((event, next) => {
    seen.push(String(event[0]));
    next();
  });
  socket.on("error", (err) => errors.push(err.message));
  session.receive('2["once"]');
  assert.deepEqual(seen, ["once"]);
  assert.deepEqual(errors, []);
  await io.close();
});

test("volatile emits are dropped when the transport is not writable", async () => {
  const { io, session, socket } = await connected();
  session.stall();
  socket.volatile.emit("a");
  io.volatile.emit("b");
  socket.emit("c");
  session.flush();
  socket.volatile.emit("d");
  assert.deepEqual(session.take(), ['2["c"]', '2["d"]']);
  await io.close();
});

test("binary arguments go out as attachments", async () => {
  const { io, session, socket } = await connected();
  socket.emit("bin", { a: Buffer.from([1, 2]) }, new Uint8Array([3]));
  const frames = session.take();
  assert.equal(
    frames[0],
    '52-["bin",{"a":{"_placeholder":true,"num":0}},{"_placeholder":true,"num":1}]',
  );
  assert.deepEqual(frames.slice(1), [Buffer.from([1, 2]), Buffer.from([3])]);
  await io.close();
});

test("send and write emit 'message'", async () => {
  const { io, session, socket } = await connected();
  socket.send("a").write("b");
  assert.deepEqual(session.take(), ['2["message","a"]', '2["message","b"]']);
  await io.close();
});
