/**
 * Socket states and the retry queue, over a real websocket on loopback against this project's
 * server: what derives from the state (connected, active, disconnected), the ways back to
 * idle, and one queued packet in flight at a time.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Manager } from "@switchboard/client";
import { next, type ProjectServer, startProjectServer } from "../helpers.ts";

describe("Socket", () => {
  let started: ProjectServer;
  let server: ProjectServer["server"];
  let url = "";
  /** Acks the server holds back, in order, and the arguments it saw. */
  const held: ((...args: unknown[]) => void)[] = [];
  const seen: number[] = [];
  before(async () => {
    started = await startProjectServer();
    ({ server, url } = started);
    server.on("connection", (s) => {
      s.on("kick", () => s.disconnect());
      s.on("hold", (n: number, ack: (...args: unknown[]) => void) => {
        seen.push(n);
        held.push(ack);
      });
    });
    server.of("/other").on("connection", (s) => s.on("ping", (ack: () => void) => ack()));
  });
  after(() => started.close());

  test("idle → connecting → connected; the server's DISCONNECT → idle, connect() joins again", async () => {
    const io = new Manager(url, { transports: ["websocket"], autoConnect: false });
    const socket = io.socket("/");
    const state = () => ({ active: socket.active, connected: socket.connected });
    assert.deepEqual(state(), { active: false, connected: false });
    assert.equal(socket.disconnected, true);
    socket.connect();
    assert.deepEqual(state(), { active: true, connected: false });
    await next(socket, "connect");
    assert.deepEqual(state(), { active: true, connected: true });
    assert.equal(socket.disconnected, false);

    const [reason] = await Promise.all([next(socket, "disconnect"), socket.emit("kick")]);
    assert.equal(reason[0], "io server disconnect");
    assert.deepEqual(state(), { active: false, connected: false }, "idle: no reconnection");
    socket.connect();
    await next(socket, "connect");
    assert.deepEqual(state(), { active: true, connected: true });
    socket.disconnect();
    assert.deepEqual(state(), { active: false, connected: false });
    assert.equal(io.readyState, "closed");
  });

  test("retries: one queued packet in flight at a time, in order", async () => {
    held.length = 0;
    const io = new Manager(url, { transports: ["websocket"] });
    const socket = io.socket("/", { retries: 2, ackTimeout: 60_000 });
    await next(socket, "connect");
    const answers: unknown[] = [];
    for (const n of [1, 2, 3]) {
      socket.emit("hold", n, (error: unknown, value: unknown) => answers.push([error, value]));
    }
    // Another namespace's socket (no retries) on the same connection: once its emit is
    // answered, the server has read everything the queue had sent before it.
    const other = io.socket("/other");
    await next(other, "connect");
    const flushed = () => other.emitWithAck("ping");
    await flushed();
    assert.deepEqual(seen, [1], "the first is in flight; the others wait for its ack");
    held.shift()!("one");
    await flushed();
    assert.deepEqual(seen, [1, 2]);
    held.shift()!("two");
    await flushed();
    held.shift()!("three");
    await flushed();
    assert.deepEqual(seen, [1, 2, 3]);
    assert.deepEqual(answers, [
      [null, "one"],
      [null, "two"],
      [null, "three"],
    ]);
    other.disconnect();
    socket.disconnect();
  });
});
