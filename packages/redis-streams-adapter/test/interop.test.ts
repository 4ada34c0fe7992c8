/**
 * A Switchboard node beside a Socket.IO 4.8 node on @socket.io/redis-streams-adapter 0.3, one
 * redis-server: broadcasts cross both ways with the same offsets, and a client recovers from
 * one kind of node on the other, both ways.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, afterEach, before, test } from "node:test";
import { createAdapter as officialAdapter } from "@socket.io/redis-streams-adapter";
import { Redis } from "ioredis";
import { Server as SocketIOServer } from "socket.io";
import { RedisServer } from "../../../test/support/redis-server.ts";
import { type Client, connectClient, TestCluster, untilIn } from "./support.ts";

let redis: RedisServer;
before(async () => {
  redis = await RedisServer.start();
});
after(() => redis.close());

let t: TestCluster;
const clients: Client[] = [];
const closers: (() => void)[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await t.close();
  for (const close of closers.splice(0)) close();
});

async function socketIoNode() {
  const client = new Redis(redis.url);
  client.on("error", () => {});
  closers.push(() => client.disconnect());
  const http = createServer();
  const io = new SocketIOServer(http, {
    adapter: officialAdapter(client),
    connectionStateRecovery: { maxDisconnectionDuration: 60_000 },
  });
  return t.cluster.adopt(io, http, () => new Promise<void>((r) => io.close(() => r())));
}

const client = (url: string, auth?: Record<string, unknown>) => connectClient(clients, url, auth);

test("broadcasts cross both ways, and a client recovers on the other kind of node, both ways", async () => {
  t = new TestCluster("ioredis", redis.url);
  const sb = await t.node();
  const sio = await socketIoNode();
  const recovered: string[] = [];
  sb.io.on("connection", (s) => {
    if (s.recovered) recovered.push("switchboard");
    else s.join("r");
  });
  sio.io.on("connection", (s) => {
    if (s.recovered) recovered.push("socket.io");
    else s.join("r");
  });
  const [cs, ci] = [await client(sb.url), await client(sio.url)];
  await untilIn(sb.io, "r", cs.socket.id!);
  while (!sio.io.of("/").adapter.rooms.get("r")?.has(ci.socket.id!)) {
    await new Promise((r) => setTimeout(r, 5));
  }
  // the official adapter learns of the stream at its first read: give it its first XREAD
  await new Promise((r) => setTimeout(r, 200));
  sb.io.to("r").emit("n", 1);
  await ci.until(() => ci.args("n").length === 1);
  sio.io.to("r").emit("n", 2);
  await cs.until(() => cs.args("n").length === 2);
  await ci.until(() => ci.args("n").length === 2);
  assert.deepEqual(cs.args("n"), [1, 2]);
  assert.deepEqual(ci.args("n"), [1, 2]);
  assert.deepEqual(
    cs.events.map((e) => e[2]),
    ci.events.map((e) => e[2]),
  );

  // Socket.IO → Switchboard: the Socket.IO node persists at disconnect, Switchboard restores
  const fromSio = ci.session;
  const sioId = ci.socket.id;
  ci.socket.io.engine.close();
  await new Promise((r) => setTimeout(r, 100));
  sb.io.to("r").emit("n", 3);
  sio.io.to("r").emit("n", 4);
  await cs.until(() => cs.args("n").length === 4);
  await ci.resume(sb.url, fromSio);
  await ci.until(() => ci.args("n").length === 4);
  assert.equal(ci.socket.id, sioId);
  // in the stream's order (two nodes' appends may interleave), as the connected client got them
  assert.deepEqual(ci.args("n"), cs.args("n"));

  // Switchboard → Socket.IO: Socket.IO takes the record Switchboard keeps
  const fromSb = cs.session;
  const sbId = cs.socket.id;
  cs.socket.io.engine.close();
  await new Promise((r) => setTimeout(r, 100));
  sio.io.to("r").emit("n", 5);
  sb.io.to("r").emit("n", 6);
  await ci.until(() => ci.args("n").length === 6);
  await cs.resume(sio.url, fromSb);
  await cs.until(() => cs.args("n").length === 6);
  assert.equal(cs.socket.id, sbId);
  assert.deepEqual(cs.args("n").slice(4), ci.args("n").slice(4));
  assert.deepEqual([...cs.args("n")].sort(), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(recovered, ["switchboard", "socket.io"]);
});
