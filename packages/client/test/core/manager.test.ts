/**
 * Manager and Socket states, over a real websocket on loopback against this project's server:
 * each transition the state machines name, seen from the events that cause it.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ClientOptions, Manager } from "@switchboard/client";
import { next, type ProjectServer, startProjectServer } from "../helpers.ts";

describe("Manager and Socket states", () => {
  let started: ProjectServer;
  let server: ProjectServer["server"];
  let url = "";
  before(async () => {
    started = await startProjectServer();
    ({ server, url } = started);
  });
  after(() => started.close());

  const manager = (options: ClientOptions = {}) =>
    new Manager(url, { transports: ["websocket"], ...options });

  /** Drops every connection from the server's side (the client sees "transport close"). */
  const dropAll = () => {
    for (const s of server.of("/").sockets.values()) s.conn.close();
  };

  test("closed → opening → open; lost → waiting → reconnecting → open", async () => {
    const io = manager({ autoConnect: false, reconnectionDelay: 1, randomizationFactor: 0 });
    const socket = io.socket("/");
    assert.equal(io.readyState, "closed");
    assert.equal(socket.active, false);
    socket.connect();
    assert.equal(io.readyState, "opening");
    assert.equal(socket.active, true);
    assert.equal(socket.connected, false);
    await next(socket, "connect");
    assert.equal(io.readyState, "open");
    assert.equal(socket.connected, true);

    const seen: string[] = [];
    io.on("close", () => seen.push(`close: ${io.readyState}`));
    io.on("reconnect_attempt", () => seen.push(`attempt: ${io.readyState}`));
    socket.on("disconnect", () => seen.push(`disconnect: ${socket.active}`));
    dropAll();
    await next(io, "reconnect");
    assert.deepEqual(seen, ["disconnect: true", "close: closed", "attempt: reconnecting"]);
    assert.equal(io.readyState, "open");
    await next(socket, "connect");
    socket.disconnect();
    assert.equal(socket.active, false);
    assert.equal(io.readyState, "closed", "the last socket left: the manager closed");
  });

  test("reconnection(false) while waiting: the scheduled attempt is off", async () => {
    const io = manager({ reconnectionDelay: 60_000, randomizationFactor: 0 });
    const socket = io.socket("/");
    await next(socket, "connect");
    const closed = next(io, "close");
    dropAll();
    await closed;
    assert.equal(io.readyState, "waiting");
    io.reconnection(false);
    assert.equal(io.readyState, "closed");
    // Nothing is left scheduled: the process would exit; connecting again works.
    socket.connect();
    assert.equal(io.readyState, "opening");
    await next(socket, "connect");
    io.disconnect();
    assert.equal(io.readyState, "closed");
    assert.equal(socket.connected, false);
  });

  test("a socket that disconnects in its connect_error listener closes the manager for good", async () => {
    // Nothing listens there: the attempt is refused at once.
    const io = new Manager("http://127.0.0.1:1", {
      transports: ["websocket"],
      reconnectionDelay: 1,
    });
    const socket = io.socket("/");
    const state = await new Promise((resolve) => {
      socket.once("connect_error", () => {
        socket.disconnect();
        // Once the manager's failure handling is done: no reconnection was scheduled.
        queueMicrotask(() => resolve(io.readyState));
      });
    });
    assert.equal(state, "closed");
    assert.equal(socket.active, false);
  });
});
