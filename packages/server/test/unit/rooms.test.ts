import assert from "node:assert/strict";
import { test } from "node:test";
import { AckTimeoutError, type DisconnectReason, type Socket } from "@switchboard/server";
import { type FakeSession, fakeServer, tick } from "../helpers.ts";

async function three() {
  const { io, engine } = fakeServer();
  const sessions: FakeSession[] = [];
  for (let i = 0; i < 3; i++) {
    const s = engine.open();
    s.receive("0");
    sessions.push(s);
  }
  await tick();
  for (const s of sessions) s.take();
  const sockets = [...io.sockets.sockets.values()] as Socket[];
  return { io, sessions, sockets };
}

test("to/in/except select by room; a socket's broadcast excludes itself", async () => {
  const { io, sessions, sockets } = await three();
  const [a, b, c] = sockets as [Socket, Socket, Socket];
  const [sa, sb, sc] = sessions as [FakeSession, FakeSession, FakeSession];
  await a.join(["red", "blue"]);
  await b.join("red");
  await c.join("green");
  assert.deepEqual(a.rooms, new Set([a.id, "red", "blue"]));

  io.to("red").emit("e", 1);
  assert.deepEqual([sa.take(), sb.take(), sc.take()], [['2["e",1]'], ['2["e",1]'], []]);

  io.in("red").to("green").except("blue").emit("e", 2);
  assert.deepEqual([sa.take(), sb.take(), sc.take()], [[], ['2["e",2]'], ['2["e",2]']]);

  a.to("red").emit("e", 3);
  assert.deepEqual([sa.take(), sb.take(), sc.take()], [[], ['2["e",3]'], []]);

  a.broadcast.emit("e", 4);
  assert.deepEqual([sa.take(), sb.take(), sc.take()], [[], ['2["e",4]'], ['2["e",4]']]);

  io.except(c.id).emit("e", 5);
  assert.deepEqual([sa.take(), sb.take(), sc.take()], [['2["e",5]'], ['2["e",5]'], []]);

  await a.leave("red");
  io.to("red").emit("e", 6);
  assert.deepEqual([sa.take(), sb.take(), sc.take()], [[], ['2["e",6]'], []]);
  await io.close();
});

test("a broadcast encodes once: every recipient gets the very same frame objects", async () => {
  const { io, sessions } = await three();
  const frames: unknown[][] = [];
  for (const s of sessions) {
    const mine: unknown[] = [];
    frames.push(mine);
    s.on("sent", (data) => mine.push(data));
  }
  io.emit("bin", Buffer.from([1, 2, 3]));
  assert.equal(frames[0]!.length, 2);
  for (const f of frames.slice(1)) {
    assert.equal(f[0], frames[0]![0]);
    assert.equal(f[1], frames[0]![1], "the same attachment object, not a copy");
  }
  await io.close();
});

test("broadcast acks collect one response per client, or time out with those received", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const { io, sessions } = await three();
  const [sa, sb, sc] = sessions as [FakeSession, FakeSession, FakeSession];
  const results: [Error | null, unknown[]][] = [];
  io.timeout(1000).emit("q", (err: Error | null, responses: unknown[]) =>
    results.push([err, responses]),
  );
  const frame = String(sa.take()[0]);
  assert.match(frame, /^2(\d+)\["q"\]$/);
  const id = /^2(\d+)/.exec(frame)![1];
  assert.deepEqual(sb.take(), [frame]);
  sc.take();
  sa.receive(`3${id}["a"]`);
  sb.receive(`3${id}["b"]`);
  assert.equal(results.length, 0);
  sc.receive(`3${id}["c"]`);
  assert.deepEqual(results, [[null, ["a", "b", "c"]]]);

  io.timeout(1000).emit("q2", (err: Error | null, responses: unknown[]) =>
    results.push([err, responses]),
  );
  const id2 = /^2(\d+)/.exec(String(sa.take()[0]))![1];
  sa.receive(`3${id2}["only"]`);
  t.mock.timers.tick(1000);
  assert.ok(results[1]![0] instanceof AckTimeoutError);
  assert.deepEqual(results[1]![1], ["only"]);
  // the clients that never answered are not waited for any more
  assert.deepEqual(
    [...io.sockets.sockets.values()].map((s) => s.pendingAcks),
    [0, 0, 0],
  );
  await io.close();
});

test("broadcast emitWithAck to no one resolves with an empty array", async () => {
  const { io } = fakeServer();
  assert.deepEqual(await io.timeout(50).emitWithAck("x"), []);
  await io.close();
});

test("fetchSockets, socketsJoin, socketsLeave, disconnectSockets with room filters", async () => {
  const { io, sessions, sockets } = await three();
  const [a, b, c] = sockets as [Socket, Socket, Socket];
  a.data = { n: 1 };
  await a.join("x");
  await b.join("x");
  const inX = await io.in("x").fetchSockets();
  assert.deepEqual(inX.map((s) => s.id).sort(), [a.id, b.id].sort());
  assert.deepEqual(inX.find((s) => s.id === a.id)!.data, { n: 1 });

  io.in("x").socketsJoin(["y", "z"]);
  assert.deepEqual(c.rooms, new Set([c.id]));
  assert.deepEqual(b.rooms, new Set([b.id, "x", "y", "z"]));
  io.except(a.id).socketsLeave("z");
  assert.ok(a.rooms.has("z"));
  assert.ok(!b.rooms.has("z"));

  const reasons: DisconnectReason[] = [];
  for (const s of sockets) s.on("disconnect", (r) => reasons.push(r));
  io.in("y").disconnectSockets();
  assert.deepEqual(reasons, ["server namespace disconnect", "server namespace disconnect"]);
  assert.deepEqual(sessions[0]!.take(), ["1"]);
  assert.equal(sessions[0]!.state, "open");
  assert.deepEqual([...io.sockets.sockets.keys()], [c.id]);
  io.disconnectSockets(true);
  assert.equal(sessions[2]!.state, "closed");
  assert.equal(io.of("/").adapter.rooms.size, 0);
  await io.close();
});

test("disconnecting fires while the rooms are still set, then disconnect", async () => {
  const { io, sessions, sockets } = await three();
  const a = sockets[0]!;
  await a.join("room");
  const seen: [string, DisconnectReason, string[]][] = [];
  a.on("disconnecting", (reason) => seen.push(["disconnecting", reason, [...a.rooms]]));
  a.on("disconnect", (reason) => seen.push(["disconnect", reason, [...a.rooms]]));
  sessions[0]!.drop("ping timeout");
  assert.deepEqual(seen, [
    ["disconnecting", "ping timeout", [a.id, "room"]],
    ["disconnect", "ping timeout", []],
  ]);
  assert.equal(io.of("/").adapter.rooms.has("room"), false);
  await io.close();
});

test("disconnect reasons use Socket.IO's strings", async () => {
  const cases: [string, (s: Socket, session: FakeSession) => void, DisconnectReason][] = [
    ["server", (s) => s.disconnect(), "server namespace disconnect"],
    ["client", (_s, session) => session.receive("1"), "client namespace disconnect"],
    ["transport close", (_s, session) => session.drop("transport close"), "transport close"],
    ["transport error", (_s, session) => session.drop("transport error"), "transport error"],
    ["ping timeout", (_s, session) => session.drop("ping timeout"), "ping timeout"],
    ["parse error", (_s, session) => session.receive("x"), "parse error"],
  ];
  for (const [, act, expected] of cases) {
    const { io, sessions, sockets } = await three();
    let reason: DisconnectReason | undefined;
    sockets[0]!.on("disconnect", (r) => {
      reason = r;
    });
    act(sockets[0]!, sessions[0]!);
    assert.equal(reason, expected);
    await io.close();
  }
  const { io, sockets } = await three();
  const reasons: DisconnectReason[] = [];
  for (const s of sockets) s.on("disconnect", (r) => reasons.push(r));
  await io.close();
  assert.deepEqual(reasons, Array(3).fill("server shutting down"));
});

test("the adapter reports room life-cycle events", async () => {
  const { io, sockets } = await three();
  const events: string[] = [];
  const adapter = io.of("/").adapter as unknown as NodeJS.EventEmitter;
  for (const name of ["create-room", "join-room", "leave-room", "delete-room"]) {
    adapter.on(name, (room: string) => events.push(`${name}:${room}`));
  }
  await sockets[0]!.join("r");
  await sockets[0]!.leave("r");
  assert.deepEqual(events, ["create-room:r", "join-room:r", "leave-room:r", "delete-room:r"]);
  await io.close();
});

test("volatile broadcasts skip only the busy recipients", async () => {
  const { io, sessions } = await three();
  sessions[1]!.stall();
  io.volatile.emit("tick");
  assert.deepEqual(
    sessions.map((s) => s.take().length),
    [1, 0, 1],
  );
  await io.close();
});
