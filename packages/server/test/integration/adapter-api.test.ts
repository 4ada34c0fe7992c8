/**
 * `io.adapter(...)` and the adapter's room events, against the official socket.io 4.8 server:
 * the same client actions give the same sequence of "create-room", "join-room", "leave-room"
 * and "delete-room" events on both, and replacing the adapter keeps the rooms of connected
 * sockets.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import {
  type AdapterConstructor,
  type AdapterNamespace,
  InMemoryAdapter,
  Server,
} from "@switchboard/server";
import { Server as SocketIOServer } from "socket.io";
import { type Socket as ClientSocket, io as connect } from "socket.io-client";
import { next } from "./harness.ts";

interface RoomEvents {
  on(ev: string, fn: (room: string, id?: string) => void): unknown;
}

/** What an application does: two clients, joins from the connection handler and on request. */
async function scenario(
  io: Server | SocketIOServer,
  url: string,
  adapterOf: () => RoomEvents,
): Promise<string[]> {
  // Socket ids differ between runs: each is named by the order it first appears in.
  const ids = new Map<string, string>();
  const events: string[] = [];
  const name = (s: string | undefined): string => {
    if (s === undefined || s === "lobby" || s === "game") return s ?? "";
    if (!ids.has(s)) ids.set(s, `s${ids.size}`);
    return ids.get(s) as string;
  };
  for (const ev of ["create-room", "delete-room", "join-room", "leave-room"]) {
    adapterOf().on(ev, (room, id) => events.push(`${ev} ${name(room)} ${name(id)}`.trim()));
  }
  (io as Server).on("connection", (socket) => {
    socket.join("lobby");
    socket.on("join", (room: string, ack: () => void) => {
      socket.join(room);
      ack();
    });
    socket.on("leave", (room: string, ack: () => void) => {
      socket.leave(room);
      ack();
    });
  });
  const clients: ClientSocket[] = [];
  for (let i = 0; i < 2; i++) {
    const c = connect(url, { forceNew: true, reconnection: false, transports: ["websocket"] });
    clients.push(c);
    await next(c, "connect");
  }
  const [a, b] = clients as [ClientSocket, ClientSocket];
  await a.emitWithAck("join", "game");
  await b.emitWithAck("join", "game");
  await a.emitWithAck("leave", "game");
  await b.emitWithAck("leave", "lobby");
  const deleted = new Promise<void>((resolve) => {
    adapterOf().on("delete-room", (room) => {
      if (room === "game") resolve();
    });
  });
  b.disconnect();
  await deleted;
  a.disconnect();
  return events;
}

async function listen(http: ReturnType<typeof createServer>): Promise<string> {
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
}

test("room events: the same sequence as socket.io 4.8's adapter", async () => {
  const theirsHttp = createServer();
  const theirs = new SocketIOServer(theirsHttp);
  const theirEvents = await scenario(
    theirs,
    await listen(theirsHttp),
    () => theirs.of("/").adapter,
  );
  await theirs.close();

  const oursHttp = createServer();
  const ours = new Server(oursHttp);
  const ourEvents = await scenario(ours, await listen(oursHttp), () => ours.of("/").adapter);
  await ours.close();

  assert.ok(theirEvents.includes("join-room game s1"), theirEvents.join("\n"));
  assert.deepEqual(ourEvents, theirEvents);
});

test("io.adapter(): getter, setter, new adapters for existing namespaces with their rooms", async () => {
  const http = createServer();
  const io = new Server(http);
  const url = await listen(http);
  assert.equal(io.adapter(), InMemoryAdapter);
  const admin = io.of("/admin");
  admin.on("connection", (socket) => socket.join("staff"));
  const c = connect(`${url}/admin`, { forceNew: true, reconnection: false });
  await next(c, "connect");
  const before = admin.adapter;

  const created: AdapterNamespace[] = [];
  let closed = 0;
  class Recording extends InMemoryAdapter {
    constructor(nsp: AdapterNamespace) {
      super(nsp);
      created.push(nsp);
    }
  }
  before.close = () => {
    closed++;
  };
  const ctor: AdapterConstructor = Recording;
  assert.equal(io.adapter(ctor), io, "the setter chains");
  assert.equal(io.adapter(), ctor);
  assert.ok(io.of("/").adapter instanceof Recording);
  assert.ok(admin.adapter instanceof Recording);
  assert.notEqual(admin.adapter, before);
  assert.equal(closed, 1, "the replaced adapter is closed");
  assert.deepEqual(
    created.map((n) => n.name),
    ["/", "/admin"],
  );
  assert.ok(io.of("/later").adapter instanceof Recording, "new namespaces use it too");
  // The connected socket's rooms moved to the new adapter: a broadcast to its room reaches it.
  const got = next<[string]>(c, "news");
  admin.to("staff").emit("news", "hi");
  assert.deepEqual(await got, ["hi"]);
  c.disconnect();
  await io.close();
});

test("an adapter's error event reaches io.on('error'); without a listener nothing throws", async () => {
  const io = new Server();
  (io.of("/").adapter as InMemoryAdapter).emit("error", new Error("no listener yet"));
  const errors: Error[] = [];
  io.on("error", (err) => errors.push(err));
  (io.of("/").adapter as InMemoryAdapter).emit("error", new Error("bus down"));
  assert.deepEqual(
    errors.map((e) => e.message),
    ["bus down"],
  );
  await io.close();
});
