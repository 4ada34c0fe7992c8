/**
 * Edges of the client's engine connection, each a regression once found against this project's
 * engine, reproduced against the scripted server (and the engine where it speaks the same): a
 * probe that fails while the old transport pauses, a noop read before `3probe`, a session that
 * closes before CONNECT, the close POST racing the poll's abort, and carriage returns over sse.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { io, sse } from "@switchboard/client";
import { Engine } from "@switchboard/engine";
import { EngineClient } from "../../src/core/engine.ts";
import { resolveManagerOptions } from "../../src/core/options.ts";
import { received, startFake } from "../fake-engine.ts";
import { next } from "../helpers.ts";

test("a probe that fails while polling pauses: polling resumes and keeps delivering", async () => {
  const { fake, url, close } = await startFake();
  fake.upgrades = ["websocket"];
  fake.upgradeScript = "fail";
  const socket = io(url, {
    forceNew: true,
    path: "/fake/",
    transports: ["polling", "websocket"],
    reconnection: false,
  });
  const hello = next(socket, "bin"); // the last packet the fake sends after CONNECT
  await next(socket, "connect");
  await hello;
  const engine = socket.io.engine!;
  const failed = next<[Error]>(engine, "upgradeError");
  socket.emit("ready"); // the probe is answered now, with a poll pending and nothing queued
  // The probe's `3probe` came (the old transport started pausing), then its WebSocket closed.
  await failed;
  assert.deepEqual(fake.upgradeLog, ["3probe sent", "probe closed"]);
  assert.equal(engine.transport?.name, "polling");
  assert.equal(engine.readyState, "open");
  // Several round trips: each answer ends a poll, and polling goes on after it.
  for (let i = 0; i < 3; i++) assert.equal(await socket.emitWithAck("echo", i), i);
  socket.disconnect();
  await close();
});

test("polling → websocket: a noop read before 3probe is the pause signal, no poll follows it", async () => {
  const { fake, url, close } = await startFake();
  fake.upgrades = ["websocket"];
  // On "ready" the pending poll gets `42["before","probe"]` and the noop; the probe is answered
  // only once the client has read them (it emits "read" from the "before" handler).
  fake.upgradeScript = "noop, then probe after ready";
  const socket = io(url, { forceNew: true, path: "/fake/", transports: ["polling", "websocket"] });
  socket.on("before", () => socket.emit("read"));
  const bin = next(socket, "bin"); // the last packet the fake sends after CONNECT
  await next(socket, "connect");
  await bin;
  const upgraded = next(socket.io.engine!, "upgrade");
  socket.emit("ready");
  await upgraded;
  await received(fake, "5");
  assert.deepEqual(fake.upgradeLog, ["noop sent", "3probe sent", "5 received"]);
  assert.equal(await socket.emitWithAck("echo", "over ws"), "over ws");
  socket.disconnect();
  await close();
});

test("the session closes before CONNECT completes: connect_error, coded, then disconnect", async () => {
  const { fake, url, close } = await startFake();
  fake.closeOnConnect = true;
  const socket = io(url, {
    forceNew: true,
    path: "/fake/",
    transports: ["polling"],
    reconnection: false,
  });
  const events: string[] = [];
  socket.on("connect", () => events.push("connect"));
  socket.on("disconnect", (reason) => events.push(`disconnect ${reason}`));
  socket.on("connect_error", () => events.push("connect_error"));
  const [error] = await next<[Error & { code: string }]>(socket, "connect_error");
  assert.equal(error.code, "SB_ERR_CONNECTION_CLOSED");
  assert.equal(error.message, "transport close");
  assert.deepEqual(events, ["connect_error", "disconnect transport close"]);
  assert.equal(socket.connected, false);
  await close();
});

for (const transport of ["polling", "sse"] as const) {
  const down = transport === "sse" ? "stream" : "poll";
  test(`${transport}: close() ends the ${down} only after the close POST is answered`, async () => {
    const { fake, url, close } = await startFake();
    // The fake's own view: the POST it answered, then the poll or stream the client ended.
    const both = new Promise<void>((resolve) => {
      fake.on("closing", () => fake.closeLog.length === 2 && resolve());
    });
    try {
      const socket = io(url, { forceNew: true, path: "/fake/", transports: [transport] });
      await next(socket, "connect");
      assert.equal(await socket.emitWithAck("echo", 1), 1); // a poll is pending again
      socket.disconnect();
      await received(fake, "1");
      assert.deepEqual(fake.downOpenAtClose, [true], `the ${down} was open when the POST came`);
      // An abort that the server (or a proxy) sees first closes the session before the POST.
      await both;
      assert.deepEqual(fake.closeLog, ["close POST answered", "down aborted"]);
    } finally {
      await close();
    }
  });
}

test("sse: a packet with carriage returns (an event named j) arrives exactly", async () => {
  const { url, close } = await startFake();
  const options = resolveManagerOptions({ path: "/fake/", transports: [sse] }, []);
  const engine = new EngineClient({ origin: url }, options, undefined);
  await next(engine, "open");
  const message = next<[string]>(engine, "message");
  engine.send("cr");
  assert.deepEqual(await message, ["a\rb\r\nc\nd"]);
  engine.close();
  await close();
});

test("sse against this project's engine: a message with carriage returns arrives exactly", async () => {
  const engine = new Engine();
  const http = createServer();
  const detach = engine.attach(http);
  engine.on("connection", (session) => {
    session.on("message", () => session.send("a\rb\r\nc\nd"));
  });
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const options = resolveManagerOptions({ path: "/engine.io/", transports: [sse] }, []);
  const client = new EngineClient({ origin: url }, options, undefined);
  await next(client, "open");
  const message = next<[string]>(client, "message");
  client.send("go");
  const [data] = await message;
  client.close();
  await engine.close();
  detach();
  http.closeAllConnections();
  http.close();
  assert.equal(data, "a\rb\r\nc\nd"); // the engine sends it as an event named j
});
