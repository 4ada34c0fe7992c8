/**
 * Broadcasts through the stream and connection state recovery on any node, on a real
 * redis-server with ioredis and node-redis clients: offsets are stream ids, a client comes back
 * on another node with its id, rooms, data and every packet its rooms got meanwhile (in order,
 * once, then live without a gap), also when its node died without persisting anything; a
 * session is restored once only; a late write by the old node never brings a record back; a
 * trimmed offset or an expired record gives a fresh session.
 */
import assert from "node:assert/strict";
import { after, afterEach, before, describe, test } from "node:test";
import { Redis } from "ioredis";
import { RedisServer } from "../../../test/support/redis-server.ts";
import type { RedisStreamsAdapter } from "../src/index.ts";
import { type Client, connectClient, TestCluster, untilIn } from "./support.ts";

const ENTRY_ID = /^[0-9]+-[0-9]+$/;
/** A test waits for events without bounds of its own: a lost one fails it here, not never. */
const HANG_GUARD = { timeout: 60_000 };

let redis: RedisServer;
let admin: Redis;
before(async () => {
  redis = await RedisServer.start();
  admin = new Redis(redis.url);
});
after(async () => {
  admin.disconnect();
  await redis.close();
});

for (const library of ["ioredis", "node-redis"] as const) {
  describe(library, () => {
    let t: TestCluster;
    const clients: Client[] = [];
    afterEach(async () => {
      for (const c of clients.splice(0)) c.close();
      await t.close();
      await admin.flushall();
    }, HANG_GUARD);
    const client = (url: string, auth?: Record<string, unknown>) =>
      connectClient(clients, url, auth);

    test(
      "a broadcast reaches every member on every node once, tagged with its stream id",
      HANG_GUARD,
      async () => {
        t = new TestCluster(library, redis.url);
        const [a, b] = [await t.node(), await t.node()];
        for (const n of [a, b]) n.io.on("connection", (s) => s.join("r"));
        const [ca, cb, other] = [await client(a.url), await client(b.url), await client(b.url)];
        other.socket.emit("noop");
        for (const [n, c] of [
          [a, ca],
          [b, cb],
        ] as const)
          await untilIn(n.io, "r", c.socket.id!);
        b.io.in(other.socket.id!).socketsLeave("r");
        await new Promise((r) => setTimeout(r, 50));
        // one order for every node: the stream's (emits from two processes may interleave)
        for (let i = 0; i < 20; i++) (i % 2 ? a : b).io.to("r").emit("n", i);
        await ca.until(() => ca.args("n").length === 20);
        await cb.until(() => cb.args("n").length === 20);
        assert.deepEqual(
          [...ca.args("n")].sort((x, y) => Number(x) - Number(y)),
          [...Array(20).keys()],
        );
        assert.deepEqual(ca.args("n"), cb.args("n"));
        const offsets = ca.events.map((e) => e[2]);
        assert.ok(offsets.every((o) => typeof o === "string" && ENTRY_ID.test(o)));
        assert.deepEqual(
          offsets,
          cb.events.map((e) => e[2]),
        );
        assert.equal(other.args("n").length, 0);
        const entries = await admin.xrange("socket.io", "-", "+");
        const broadcasts = entries.filter(([, f]) => f[f.indexOf("type") + 1] === "3");
        assert.deepEqual(broadcasts.map(([id]) => id).slice(-20), offsets);
      },
    );

    test(
      "recovered on another node: id, rooms, data, every missed packet in order, then live",
      HANG_GUARD,
      async () => {
        t = new TestCluster(library, redis.url);
        const [a, b] = [await t.node(), await t.node()];
        const recovered: boolean[] = [];
        for (const n of [a, b]) {
          n.io.on("connection", (s) => {
            recovered.push(s.recovered);
            if (s.recovered) return;
            s.join(["r", "q"]);
            s.data = { name: "ada" };
          });
        }
        const c = await client(a.url);
        const id = c.socket.id;
        await untilIn(a.io, "q", id!);
        a.io.to("r").emit("n", 0);
        await c.until(() => c.args("n").length === 1);
        const session = c.session;
        c.socket.io.engine.close();
        await new Promise((r) => setTimeout(r, 50));
        for (let i = 1; i <= 10; i++) b.io.to(i % 3 ? "r" : "z").emit("n", i);
        a.io.to(id!).emit("private", "p");
        await new Promise((r) => setTimeout(r, 100));
        await c.resume(b.url, session);
        b.io.to("q").emit("n", 11);
        await c.until(() => c.args("n").includes(11));
        assert.deepEqual(recovered, [false, true]);
        assert.equal(c.socket.id, id);
        assert.deepEqual(c.args("n"), [0, 1, 2, 4, 5, 7, 8, 10, 11]);
        assert.deepEqual(c.args("private"), ["p"]);
        const socket = b.io.of("/").sockets.get(id!)!;
        assert.deepEqual([...socket.rooms].sort(), [id, "q", "r"].sort());
        assert.deepEqual(socket.data, { name: "ada" });
      },
    );

    for (const [name, replayBufferBytes] of [
      ["from memory", undefined],
      ["from the stream (nothing kept in memory)", 0],
      ["from the stream (the offset older than what memory keeps)", 400],
    ] as const) {
      test(
        `the missed packets replayed ${name}: what the rooms got, in order, once`,
        HANG_GUARD,
        async () => {
          t = new TestCluster(library, redis.url);
          const a = await t.node();
          const b = await t.node({ ...(replayBufferBytes !== undefined && { replayBufferBytes }) });
          a.io.on("connection", (s) => {
            if (!s.recovered) s.join(["r", "q"]);
          });
          const c = await client(a.url);
          await untilIn(a.io, "q", c.socket.id!);
          a.io.to("r").emit("n", 0);
          await c.until(() => c.args("n").length === 1);
          const session = c.session;
          c.socket.io.engine.close();
          b.io.to("r").emit("n", 1);
          b.io.to("z").emit("n", -1);
          b.io.emit("n", 2);
          b.io.to("r").except("q").emit("n", -2);
          b.io.to(["z", "q"]).emit("n", 3);
          b.io.to("r").volatile.emit("n", -3);
          // filler for another room: pushes the offset out of a small memory
          for (let i = 0; i < 20; i++) b.io.to("z").emit("fill", "x".repeat(100));
          b.io.to("r").emit("n", 4);
          const watcher = await client(b.url);
          b.io.to(watcher.socket.id!).emit("n", 5);
          await watcher.until(() => watcher.args("n").length === 1);
          await admin.config("RESETSTAT");
          await c.resume(b.url, session);
          b.io.to("q").emit("n", 6);
          await c.until(() => c.args("n").includes(6));
          assert.equal(b.io.of("/").sockets.get(c.socket.id!)?.recovered, true);
          assert.deepEqual(c.args("n"), [0, 1, 2, 3, 4, 6]);
          assert.deepEqual(c.args("fill"), []);
          // the restore's XRANGE calls: one (is the offset still there) when memory has the rest
          const xranges = Number(
            /cmdstat_xrange:calls=(\d+)/.exec(await admin.info("commandstats"))?.[1],
          );
          if (replayBufferBytes === undefined) assert.equal(xranges, 1);
          else assert.ok(xranges > 1, `${xranges} XRANGE calls`);
        },
      );
    }

    test("recovered from a node that died without persisting anything", HANG_GUARD, async () => {
      t = new TestCluster(library, redis.url);
      const [a, b] = [await t.node(), await t.node()];
      for (const n of [a, b])
        n.io.on("connection", (s) => {
          if (!s.recovered) s.join("r");
        });
      const c = await client(a.url);
      await untilIn(a.io, "r", c.socket.id!);
      const sa = a.io.of("/").sockets.get(c.socket.id!)!;
      sa.data = { replaced: 1 };
      sa.join("later");
      b.io.to("r").emit("n", 0);
      await c.until(() => c.args("n").length === 1);
      // wait for the record to hold the latest rooms and data
      const key = `sio:session:${c.session.pid}`;
      for (;;) {
        const raw = await admin.get(key);
        if (raw?.includes(Buffer.from("later").toString("base64").slice(0, 4))) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      // the node dies: its Redis connection goes first, so nothing is persisted on disconnect
      a.closeRedis();
      const session = c.session;
      c.socket.io.engine.close();
      for (let i = 1; i <= 5; i++) b.io.to("later").emit("n", i);
      await new Promise((r) => setTimeout(r, 100));
      await c.resume(b.url, session);
      await c.until(() => c.args("n").length === 6);
      const socket = b.io.of("/").sockets.get(c.socket.id!)!;
      assert.equal(socket.recovered, true);
      assert.deepEqual(socket.data, { replaced: 1 });
      assert.deepEqual(c.args("n"), [0, 1, 2, 3, 4, 5]);
    });

    test(
      "two nodes restoring one session: one gets it; a late write of the old node is refused",
      HANG_GUARD,
      async () => {
        t = new TestCluster(library, redis.url);
        const [a, b, d] = [await t.node(), await t.node(), await t.node()];
        a.io.on("connection", (s) => s.join("r"));
        const c = await client(a.url);
        a.io.to("r").emit("n", 0);
        await c.until(() => c.args("n").length === 1);
        const { pid, offset } = c.session;
        const key = `sio:session:${pid}`;
        while ((await admin.exists(key)) === 0) await new Promise((r) => setTimeout(r, 10));
        const adapterOf = (n: typeof a) => n.io.of("/").adapter as unknown as RedisStreamsAdapter;
        const results = await Promise.all([
          adapterOf(b).restoreSession(pid, offset),
          adapterOf(d).restoreSession(pid, offset),
        ]);
        assert.equal(results.filter((r) => r !== null).length, 1);
        // the old node still has the socket: a change makes it write, which must not recreate it
        a.io.of("/").sockets.get(c.socket.id!)!.join("after");
        a.io.of("/").sockets.get(c.socket.id!)!.data = { late: true };
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(await admin.exists(key), 0);
        assert.equal(adapterOf(a).trackedSessions, 0);
      },
    );

    test(
      "a trimmed offset, an expired record, an unknown pid: fresh sessions",
      HANG_GUARD,
      async () => {
        t = new TestCluster(library, redis.url);
        const a = await t.node(
          { maxLen: 5 },
          { connectionStateRecovery: { maxDisconnectionDuration: 400 } },
        );
        const b = await t.node(
          { maxLen: 5 },
          { connectionStateRecovery: { maxDisconnectionDuration: 400 } },
        );
        a.io.on("connection", (s) => s.join("r"));
        const trimmed = await client(a.url);
        a.io.to("r").emit("n", 0);
        await trimmed.until(() => trimmed.args("n").length === 1);
        const s1 = trimmed.session;
        trimmed.socket.io.engine.close();
        // MAXLEN ~ trims whole nodes of entries: push well past one
        const pipeline = admin.pipeline();
        for (let i = 0; i < 500; i++)
          pipeline.xadd("socket.io", "MAXLEN", "~", "5", "*", "nsp", "/x", "type", "2");
        await pipeline.exec();
        assert.equal((await admin.xrange("socket.io", s1.offset, s1.offset)).length, 0);
        await trimmed.resume(b.url, s1);
        assert.notEqual(trimmed.socket.id, undefined);
        assert.equal(b.io.of("/").sockets.get(trimmed.socket.id!)?.recovered, false);

        const expired = await client(a.url);
        a.io.to("r").emit("n", 1);
        await expired.until(() => expired.args("n").length === 1);
        const s2 = expired.session;
        expired.socket.io.engine.close();
        const key = `sio:session:${s2.pid}`;
        while ((await admin.exists(key)) === 1) await new Promise((r) => setTimeout(r, 50));
        await expired.resume(b.url, s2);
        assert.equal(b.io.of("/").sockets.get(expired.socket.id!)?.recovered, false);

        const unknown = await client(b.url, { pid: "nobody", offset: s2.offset });
        assert.equal(b.io.of("/").sockets.get(unknown.socket.id!)?.recovered, false);
      },
    );
  });
}
