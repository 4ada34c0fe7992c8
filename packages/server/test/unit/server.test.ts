import assert from "node:assert/strict";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { once } from "node:events";
import { test } from "node:test";
import { type Namespace, Server } from "@switchboard/server";
import { runWithDebug } from "../../../../test/support/debug-child.ts";
import { fakeServer, tick } from "../helpers.ts";

test("new Server(port) creates, listens and closes its HTTP server", async () => {
  const io = new Server(0);
  const http = io.httpServer!;
  await once(http, "listening");
  assert.ok(io.engine);
  await io.close();
  assert.equal(http.listening, false);
  assert.equal(io.state, "closed");
});

test("compress(false) reaches the session's send options; the default is true", async () => {
  const { io, engine } = fakeServer();
  const session = engine.open();
  session.receive("0");
  await tick();
  const [socket] = io.sockets.sockets.values();
  session.compressFlags.length = 0;
  socket!.compress(false).emit("a");
  socket!.emit("b");
  io.compress(false).emit("c");
  assert.deepEqual(session.compressFlags, [false, true, false]);
  await io.close();
});

test("serverSideEmit on a single server: acks resolve with no responses; io.on receives", async () => {
  const { io } = fakeServer();
  assert.deepEqual(await io.serverSideEmitWithAck("ping"), []);
  const got: unknown[] = [];
  io.on("sync", (...args: unknown[]) => got.push(args));
  // what a cluster adapter does when another server emits
  io.of("/").receiveServerSideEmit(["sync", 1, "two"]);
  io.of("/").receiveServerSideEmit(["connection", "ignored"]);
  assert.deepEqual(got, [[1, "two"]]);
  await io.close();
});

test("new_namespace fires for static and dynamic namespaces", async () => {
  const { io, engine } = fakeServer();
  const names: string[] = [];
  io.on("new_namespace", (nsp: Namespace) => names.push(nsp.name));
  io.of("/static");
  io.of("static"); // normalized, not created twice
  io.of(/^\/dyn$/);
  const session = engine.open();
  session.receive("0/dyn,");
  await tick();
  assert.deepEqual(names, ["/static", "/dyn"]);
  await io.close();
});

test("allSockets lists ids by room; close() closes the engine and takes its listener off", async () => {
  const { io, engine } = fakeServer();
  const a = engine.open();
  a.receive("0");
  await tick();
  const [socket] = io.sockets.sockets.values();
  await socket!.join("r");
  assert.deepEqual(await io.in("r").allSockets(), new Set([socket!.id]));
  assert.deepEqual(await io.in("none").allSockets(), new Set());
  await io.close();
  assert.equal(engine.closed, true);
  assert.equal(engine.listenerCount("connection"), 0);
});

test("the switchboard:server channel reports connects, disconnects and parse errors as { event, ... }", async () => {
  const { io, engine } = fakeServer();
  const seen: string[] = [];
  const onEvent = (m: unknown) => {
    const { event, nsp, reason } = m as { event: string; nsp?: string; reason?: string };
    if (event === "connect") seen.push(`connect ${nsp}`);
    else if (event === "disconnect") seen.push(`disconnect ${reason}`);
    else if (event === "parse error") seen.push("parse error");
  };
  subscribe("switchboard:server", onEvent);
  try {
    const session = engine.open();
    session.receive("0");
    await tick();
    session.receive("9");
    assert.deepEqual(seen, ["connect /", "parse error", "disconnect parse error"]);
  } finally {
    unsubscribe("switchboard:server", onEvent);
    await io.close();
  }
});

test("DEBUG=switchboard:* prints the same events as text, as the client's DEBUG does", () => {
  const script = `
    import { Server } from "@switchboard/server";
    const io = new Server();
    io.of("/orders");
  `;
  const run = (DEBUG: string) => runWithDebug(script, DEBUG, import.meta.dirname);
  const on = run("other,switchboard:*");
  assert.equal(on.status, 0, on.stderr);
  assert.match(on.stderr, /^switchboard:server namespace created nsp="\/orders"$/m);
  assert.equal(run("switchboard:engine").stderr, "");
});

test("a middleware that throws refuses the connection", async () => {
  const { io, engine } = fakeServer();
  io.use(() => {
    throw new Error("boom");
  });
  const session = engine.open();
  session.receive("0");
  await tick();
  assert.deepEqual(session.take(), ['4{"message":"boom"}']);
  await io.close();
});

test("socket.disconnect(true) closes the whole connection, every namespace first", async () => {
  const { io, engine } = fakeServer();
  io.of("/b");
  const session = engine.open();
  session.receive("0");
  session.receive("0/b,");
  await tick();
  session.take();
  const reasons: string[] = [];
  for (const nsp of ["/", "/b"]) {
    for (const s of io.of(nsp).sockets.values()) s.on("disconnect", (r) => reasons.push(r));
  }
  const [main] = io.sockets.sockets.values();
  main!.disconnect(true);
  assert.deepEqual(session.take(), ["1", "1/b,"]);
  assert.deepEqual(reasons, ["server namespace disconnect", "server namespace disconnect"]);
  assert.equal(session.state, "closed");
  await io.close();
});

test("io.engine before attach throws a coded error; after bind it is the engine", async () => {
  const io = new Server();
  assert.throws(() => io.engine, { code: "SB_ERR_NOT_ATTACHED" });
  const { engine } = fakeServer();
  io.bind(engine);
  assert.equal(io.engine as unknown, engine);
  await io.close();
});
