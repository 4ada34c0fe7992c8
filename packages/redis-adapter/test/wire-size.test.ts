/**
 * What a broadcast costs on Redis: the message a Switchboard node publishes for `io.emit` is
 * no longer than the one a Socket.IO 4.8 node on `@socket.io/redis-adapter` 8.3 publishes for
 * the same emit (the same format; the node id is the only free part), on the same channel.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import { after, before, test } from "node:test";
import { createAdapter as officialCreateAdapter } from "@socket.io/redis-adapter";
import { Server } from "@switchboard/server";
import { Redis } from "ioredis";
import { Server as SocketIOServer } from "socket.io";
import { RedisServer } from "../../../test/support/redis-server.ts";
import { createAdapter } from "../src/index.ts";
import { type ClientPair, clientPair } from "./clients.ts";

let redis: RedisServer;
const pairs: ClientPair[] = [];
before(async () => {
  redis = await RedisServer.start();
});
after(async () => {
  for (const pair of pairs) await pair.close();
  await redis.close();
});

/** Publishes one `io.emit` from `emit` and gives the channel and size of what reached Redis. */
async function published(emit: () => void): Promise<{ channel: string; bytes: number }> {
  const spy = new Redis(redis.url);
  try {
    await spy.psubscribe("socket.io#*");
    const message = once(spy, "pmessageBuffer") as Promise<[Buffer, Buffer, Buffer]>;
    emit();
    const [, channel, payload] = await message;
    return { channel: channel.toString(), bytes: payload.length };
  } finally {
    spy.disconnect();
  }
}

test("a broadcast on Redis is no bigger than Socket.IO's for the same emit", async () => {
  const ours = await clientPair("ioredis", redis.url);
  const theirs = await clientPair("ioredis", redis.url);
  pairs.push(ours, theirs);
  const sb = new Server(createServer(), { adapter: createAdapter(ours.pub, ours.sub) });
  const sio = new SocketIOServer(createServer(), {
    adapter: officialCreateAdapter(theirs.pub, theirs.sub),
  });
  try {
    const text = "x".repeat(64);
    const mine = await published(() => sb.emit("bcast", text));
    const official = await published(() => sio.emit("bcast", text));
    assert.equal(mine.channel, official.channel);
    assert.ok(
      mine.bytes <= official.bytes,
      `Switchboard publishes ${mine.bytes} bytes, Socket.IO ${official.bytes}`,
    );
  } finally {
    await sb.close();
    sio.close();
  }
});
