import assert from "node:assert/strict";
import { test } from "node:test";
import { fakeServer, tick } from "../helpers.ts";

test("a RegExp parent creates children with its middlewares and connection listeners", async () => {
  const { io, engine } = fakeServer();
  const seen: string[] = [];
  const created: string[] = [];
  io.on("new_namespace", (nsp) => created.push(nsp.name));
  const parent = io.of(/^\/room-\d+$/);
  parent.use((socket, next) => {
    seen.push(`mw:${socket.nsp.name}`);
    next();
  });
  parent.on("connection", (socket) => seen.push(`conn:${socket.nsp.name}`));
  const session = engine.open();
  session.receive("0/room-1,");
  session.receive("0/room-x,");
  await tick();
  const frames = session.take().map(String);
  assert.match(frames[0]!, /^0\/room-1,\{"sid":/);
  assert.equal(frames[1], '4/room-x,{"message":"Invalid namespace"}');
  assert.deepEqual(seen, ["mw:/room-1", "conn:/room-1"]);
  assert.deepEqual(created, ["/room-1"]);
  // broadcasting on the parent reaches every child
  parent.emit("hello");
  assert.deepEqual(session.take(), ['2/room-1,["hello"]']);
  await io.close();
});

test("a function parent decides asynchronously, with the auth payload", async () => {
  const { io, engine } = fakeServer();
  io.of((name, auth, next) => setImmediate(() => next(null, name === "/dyn" && auth.ok === true)));
  const session = engine.open();
  session.receive('0/dyn,{"ok":true}');
  session.receive('0/other,{"ok":true}');
  await tick();
  await tick();
  const frames = session.take().map(String).sort();
  assert.equal(frames.length, 2);
  assert.match(frames[0]!, /^0\/dyn,\{"sid":/);
  assert.equal(frames[1], '4/other,{"message":"Invalid namespace"}');
  await io.close();
});

test("cleanupEmptyChildNamespaces removes a child when its last socket leaves", async () => {
  for (const cleanup of [true, false]) {
    const { io, engine } = fakeServer({ cleanupEmptyChildNamespaces: cleanup });
    const parent = io.of(/^\/c\d$/);
    const session = engine.open();
    session.receive("0/c1,");
    await tick();
    assert.equal(io._nsps.has("/c1"), true);
    session.receive("1/c1,");
    assert.equal(io._nsps.has("/c1"), !cleanup);
    assert.equal((parent as unknown as { children: Set<unknown> }).children.size, cleanup ? 0 : 1);
    await io.close();
  }
});
