/**
 * Failures with a real redis-server that the test stops and restarts (durable: the stream
 * survives, as it would a network outage): while Redis is down local delivery goes on, the
 * outage reaches io.on("error"), and a client that comes back gets a fresh session (its CONNECT
 * answered, no unhandled rejection); when Redis is back, every reader goes on from where it
 * stopped: no entry read twice, none skipped that is still in the stream, also entries written
 * while its own connection was away.
 */
import assert from "node:assert/strict";
import { after, afterEach, before, describe, test } from "node:test";
import { Redis } from "ioredis";
import { RedisServer } from "../../../test/support/redis-server.ts";
import type { RedisStreamsAdapter } from "../src/index.ts";
import { type Client, connectClient, TestCluster, untilIn } from "./support.ts";

let redis: RedisServer;
before(async () => {
  // durable: the stream survives the restart, as it would a network outage
  redis = await RedisServer.start(() => ["--appendonly", "yes", "--appendfsync", "always"]);
});
after(() => redis.close());

/** A broadcast entry as another writer (a Socket.IO node) appends it. */
function foreign(admin: Redis, n: number): Promise<unknown> {
  const data = {
    packet: { type: 2, nsp: "/", data: ["n", n] },
    opts: { rooms: ["r"], except: [] },
  };
  return admin.xadd(
    "socket.io",
    "*",
    "uid",
    "other",
    "nsp",
    "/",
    "type",
    "3",
    "data",
    JSON.stringify(data),
  );
}

for (const library of ["ioredis", "node-redis"] as const) {
  describe(library, () => {
    let t: TestCluster;
    const clients: Client[] = [];
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    before(() => process.on("unhandledRejection", onUnhandled));
    after(() => process.off("unhandledRejection", onUnhandled));
    afterEach(async () => {
      for (const c of clients.splice(0)) c.close();
      await t.close();
      if (!redis.running) await redis.restart();
      const admin = new Redis(redis.url);
      await admin.flushall();
      admin.disconnect();
    });
    const client = (url: string, auth?: Record<string, unknown>) =>
      connectClient(clients, url, auth);

    test("redis stopped then restarted: local delivery, fresh sessions, readers resume", async () => {
      t = new TestCluster(library, redis.url);
      const [a, b] = [
        await t.node({ requestsTimeout: 500 }),
        await t.node({ requestsTimeout: 500 }),
      ];
      for (const n of [a, b]) n.io.on("connection", (s) => s.join("r"));
      const [ca, cb] = [await client(a.url), await client(b.url)];
      await untilIn(a.io, "r", ca.socket.id!);
      await untilIn(b.io, "r", cb.socket.id!);
      const errors: Error[] = [];
      a.io.on("error", (err) => errors.push(err));
      for (let i = 1; i <= 5; i++) a.io.to("r").emit("n", i);
      await cb.until(() => cb.args("n").length === 5);
      await ca.until(() => ca.args("n").length === 5);

      await redis.stop();
      a.io.to("r").emit("n", 6);
      await ca.until(() => ca.args("n").includes(6));
      assert.ok(errors.length >= 1, "the outage reaches io.on('error')");
      const session = cb.session;
      await cb.resume(a.url, session);
      assert.equal(a.io.of("/").sockets.get(cb.socket.id!)?.recovered, false);
      assert.notEqual(cb.socket.id, undefined);

      await redis.restart();
      const admin = new Redis(redis.url);
      try {
        // written at once, before the readers are back: they must not skip it
        await foreign(admin, 7);
        await ca.until(() => ca.args("n").includes(7));
        await cb.until(() => cb.args("n").includes(7));
        const adapter = b.io.of("/").adapter as unknown as RedisStreamsAdapter;
        while (!adapter.redisConnected) await new Promise((r) => setTimeout(r, 10));
        for (let i = 8; i <= 10; i++) b.io.to("r").emit("n", i);
        await ca.until(() => ca.args("n").includes(10));
        await cb.until(() => cb.args("n").includes(10));
        await new Promise((r) => setTimeout(r, 100));
        assert.deepEqual(ca.args("n"), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        // cb: 1-5 on its first socket (kept in its events), then 7-10 on the fresh one
        assert.deepEqual(cb.args("n"), [1, 2, 3, 4, 5, 7, 8, 9, 10]);
      } finally {
        admin.disconnect();
      }
      assert.deepEqual(unhandled, []);
    });

    test("a reader whose connection drops goes on with what was written meanwhile, once", async () => {
      t = new TestCluster(library, redis.url);
      const a = await t.node();
      a.io.on("connection", (s) => s.join("r"));
      const c = await client(a.url);
      await untilIn(a.io, "r", c.socket.id!);
      const admin = new Redis(redis.url);
      try {
        await foreign(admin, 1);
        await c.until(() => c.args("n").length === 1);
        // every connection but this one is cut (the adapter's reader, subscriber and client)
        await admin.client("KILL", "TYPE", "normal", "SKIPME", "yes");
        for (let i = 2; i <= 4; i++) await foreign(admin, i);
        await c.until(() => c.args("n").length === 4);
        await foreign(admin, 5);
        await c.until(() => c.args("n").length === 5);
        await new Promise((r) => setTimeout(r, 100));
        assert.deepEqual(c.args("n"), [1, 2, 3, 4, 5]);
      } finally {
        admin.disconnect();
      }
    });
  });
}
