import assert from "node:assert/strict";
import { test } from "node:test";
import { FakeSession, fakeServer, tick } from "../helpers.ts";

test("CONNECT to the main namespace answers with the socket id", async () => {
  const { io, engine } = fakeServer();
  const session = engine.open();
  session.receive("0");
  await tick();
  const [frame] = session.take();
  const socket = [...io.sockets.sockets.values()][0]!;
  assert.equal(frame, `0{"sid":"${socket.id}"}`);
  assert.equal(socket.id.length, 20);
  assert.deepEqual(socket.rooms, new Set([socket.id]));
  await io.close();
});

test("CONNECT with auth to a namespace exposes the handshake", async () => {
  const { io, engine } = fakeServer();
  let auth: unknown;
  let query: unknown;
  io.of("/admin").on("connection", (socket) => {
    auth = socket.handshake.auth;
    query = socket.handshake.query;
  });
  const session = engine.open(new FakeSession("/socket.io/?EIO=4&transport=polling&room=a"));
  session.receive('0/admin,{"token":"x"}');
  await tick();
  assert.deepEqual(auth, { token: "x" });
  assert.deepEqual({ ...(query as object) }, { EIO: "4", transport: "polling", room: "a" });
  assert.match(String(session.take()[0]), /^0\/admin,\{"sid":"[\w-]{20}"\}$/);
  await io.close();
});

test("an unknown namespace gets CONNECT_ERROR Invalid namespace and the connection stays", async () => {
  const { io, engine } = fakeServer();
  const session = engine.open();
  session.receive("0/nope,");
  await tick();
  assert.deepEqual(session.take(), ['4/nope,{"message":"Invalid namespace"}']);
  assert.equal(session.state, "open");
  session.receive("0");
  await tick();
  assert.match(String(session.take()[0]), /^0\{"sid":/);
  await io.close();
});

test("a middleware error becomes CONNECT_ERROR with message and data", async () => {
  const { io, engine } = fakeServer();
  let connected = false;
  io.of("/admin")
    .use((_socket, next) => {
      const err = Object.assign(new Error("not authorized"), { data: { retry: false } });
      setImmediate(() => next(err));
    })
    .on("connection", () => {
      connected = true;
    });
  const session = engine.open();
  session.receive("0/admin,");
  await tick();
  await tick();
  assert.deepEqual(session.take(), ['4/admin,{"message":"not authorized","data":{"retry":false}}']);
  assert.equal(connected, false);
  assert.equal(io.of("/admin").sockets.size, 0);
  await io.close();
});

test("middlewares run in order and see the socket before connection", async () => {
  const { io, engine } = fakeServer();
  const order: string[] = [];
  io.use((socket, next) => {
    order.push("a");
    socket.data = { user: "ann" };
    next();
  });
  io.use((_socket, next) => {
    order.push("b");
    next();
  });
  io.on("connection", (socket) => {
    order.push(`connection:${(socket.data as { user: string }).user}`);
  });
  engine.open().receive("0");
  await tick();
  assert.deepEqual(order, ["a", "b", "connection:ann"]);
  await io.close();
});

test("several namespaces share one connection", async () => {
  const { io, engine } = fakeServer();
  io.of("/a");
  io.of("/b");
  const session = engine.open();
  session.receive("0/a,");
  session.receive("0/b,");
  await tick();
  const frames = session.take().map(String);
  assert.equal(frames.length, 2);
  assert.ok(frames[0]!.startsWith("0/a,"));
  assert.ok(frames[1]!.startsWith("0/b,"));
  const [sa] = io.of("/a").sockets.values();
  const [sb] = io.of("/b").sockets.values();
  assert.equal(sa!.client, sb!.client);
  // leaving one namespace leaves the other connected
  session.receive("1/a,");
  assert.equal(io.of("/a").sockets.size, 0);
  assert.equal(io.of("/b").sockets.size, 1);
  assert.equal(session.state, "open");
  await io.close();
});

test("connectTimeout closes a session that joins no namespace, not one that joined", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const { io, engine } = fakeServer({ connectTimeout: 1000 });
  const idle = engine.open();
  const joined = engine.open();
  joined.receive("0");
  await Promise.resolve();
  t.mock.timers.tick(999);
  assert.equal(idle.state, "open");
  t.mock.timers.tick(1);
  assert.deepEqual(idle.closeReasons, ["forced close"]);
  assert.equal(joined.state, "open");
  await io.close();
});

test("rooms joined in a middleware do not outlive a refused socket", async () => {
  const { io, engine } = fakeServer();
  io.use((socket, next) => {
    void socket.join("vip");
    next(new Error("no"));
  });
  engine.open().receive("0");
  await tick();
  assert.equal(io.of("/").adapter.rooms.size, 0);
  assert.equal(io.of("/").adapter.sids.size, 0);
  await io.close();
});
