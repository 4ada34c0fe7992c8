/**
 * One Redis, two kinds of servers: two Switchboard nodes and one Socket.IO 4.8 node on the
 * official `@socket.io/redis-adapter` 8.3 (pub/sub and sharded), plus
 * `@socket.io/redis-emitter` 5.1. Every feature is driven from each kind and checked on the
 * clients of both.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, afterEach, before, describe, test } from "node:test";
import {
  createAdapter as officialCreateAdapter,
  createShardedAdapter as officialCreateShardedAdapter,
} from "@socket.io/redis-adapter";
import { Emitter } from "@socket.io/redis-emitter";
import { Redis } from "ioredis";
import { Server as SocketIOServer } from "socket.io";
import { Cluster, type Node, type RecordingClient } from "../../../test/support/cluster.ts";
import { RedisServer } from "../../../test/support/redis-server.ts";
import { createAdapter, createShardedAdapter } from "../src/index.ts";
import { type ClientPair, clientPair, untilServerCount } from "./clients.ts";

let redis: RedisServer;
before(async () => {
  redis = await RedisServer.start();
});
after(() => redis.close());

/** Anything with Socket.IO's server API that these tests use. */
type AnyServer = Node["io"] | SocketIOServer;

for (const mode of ["pubsub", "sharded"] as const) {
  describe(`mixed with socket.io 4.8 + @socket.io/redis-adapter (${mode})`, () => {
    const cluster = new Cluster();
    const pairs: ClientPair[] = [];
    let servers: AnyServer[] = [];
    let clients: RecordingClient[] = [];

    afterEach(async () => {
      await cluster.closeAll();
      for (const p of pairs.splice(0)) await p.close();
    });

    /** servers[0], servers[1]: Switchboard; servers[2]: Socket.IO. Two clients each, in "r". */
    async function start(): Promise<void> {
      servers = [];
      clients = [];
      const nodes: Node<AnyServer>[] = [];
      for (let i = 0; i < 3; i++) {
        const pair = await clientPair("ioredis", redis.url);
        pairs.push(pair);
        let node: Node<AnyServer>;
        if (i < 2) {
          const adapter =
            mode === "pubsub"
              ? createAdapter(pair.pub, pair.sub, { requestsTimeout: 3000 })
              : createShardedAdapter(pair.pub, pair.sub, { requestsTimeout: 3000 });
          node = await cluster.node({ adapter });
        } else {
          const http = createServer();
          const adapter =
            mode === "pubsub"
              ? officialCreateAdapter(pair.pub, pair.sub, { requestsTimeout: 3000 })
              : officialCreateShardedAdapter(pair.pub, pair.sub);
          const io = new SocketIOServer(http, { adapter });
          node = await cluster.adopt<AnyServer>(io, http, () => io.close());
        }
        (node.io as SocketIOServer).on("connection", (socket) => {
          socket.join("r");
          socket.data = { node: i };
        });
        servers.push(node.io);
        nodes.push(node);
      }
      await untilServerCount(servers[0] as Node["io"], 3);
      for (const node of nodes)
        clients.push(await cluster.client(node), await cluster.client(node));
    }

    const sio = (i: number) => servers[i] as SocketIOServer;

    for (const from of [0, 2]) {
      const kind = from === 2 ? "Socket.IO" : "Switchboard";
      test(`from a ${kind} node: room broadcast exactly once, fetchSockets, serverSideEmit and broadcast acks`, async () => {
        await start();
        const io = sio(from);
        io.to("r").emit("hello", Buffer.from([1, 2, 3]));
        io.to("r").emit("marker");
        await Promise.all(clients.map((c) => c.until("marker")));
        assert.deepEqual(
          clients.map((c) => c.count("hello")),
          [1, 1, 1, 1, 1, 1],
        );
        const bin = clients[from === 2 ? 0 : 5]!.received.find((r) => r[0] === "hello")![1];
        assert.deepEqual([...(bin as Buffer)], [1, 2, 3]);

        const all = await io.fetchSockets();
        assert.deepEqual(all.map((s) => s.id).sort(), clients.map((c) => c.socket.id).sort());
        assert.deepEqual(
          all.map((s) => (s.data as { node: number }).node).sort(),
          [0, 0, 1, 1, 2, 2],
        );

        servers.forEach((s, i) => {
          (s as SocketIOServer).on("who", (ack: (r: string) => void) => ack(`node ${i}`));
        });
        const others = [0, 1, 2].filter((i) => i !== from).map((i) => `node ${i}`);
        assert.deepEqual([...(await io.serverSideEmitWithAck("who"))].sort(), others);

        clients.forEach((c, i) => {
          c.socket.on("q", (ack: (n: number) => void) => ack(i));
        });
        const answers = (await io.timeout(5000).emitWithAck("q")) as number[];
        assert.deepEqual([...answers].sort(), [0, 1, 2, 3, 4, 5]);
      });

      test(`from a ${kind} node: socketsJoin, socketsLeave and disconnectSockets reach the other kind`, async () => {
        await start();
        const io = sio(from);
        const target = clients[from === 2 ? 1 : 4]!;
        io.in(target.socket.id!).socketsJoin("vip");
        for (;;) {
          const found = await io.in("vip").fetchSockets();
          if (found.length === 1) break;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        io.to("vip").emit("vip-news");
        await target.until("vip-news");
        io.in("vip").socketsLeave("vip");
        while ((await io.in("vip").fetchSockets()).length > 0) {
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        const gone = new Promise((resolve) => target.socket.once("disconnect", resolve));
        io.in(target.socket.id!).disconnectSockets();
        assert.equal(await gone, "io server disconnect");
      });
    }

    if (mode === "pubsub") {
      test("@socket.io/redis-emitter reaches Switchboard's clients and servers", async () => {
        await start();
        const pub = new Redis(redis.url);
        try {
          const emitter = new Emitter(pub);
          emitter.to("r").emit("from-emitter", { n: 1 }, Buffer.from([9]));
          emitter.emit("marker");
          await Promise.all(clients.map((c) => c.until("marker")));
          assert.deepEqual(
            clients.map((c) => c.count("from-emitter")),
            [1, 1, 1, 1, 1, 1],
          );
          const [, obj, bin] = clients[0]!.received.find((r) => r[0] === "from-emitter")!;
          assert.deepEqual(obj, { n: 1 });
          assert.deepEqual([...(bin as Buffer)], [9]);

          emitter.in(clients[1]!.socket.id!).socketsJoin("emitted");
          emitter.to(clients[1]!.socket.id!).emit("after-join");
          await clients[1]!.until("after-join");
          emitter.to("emitted").emit("to-emitted");
          await clients[1]!.until("to-emitted");

          const heard = new Promise<unknown[]>((resolve) =>
            sio(0).on("announce", (...args: unknown[]) => resolve(args)),
          );
          emitter.serverSideEmit("announce", "v2");
          assert.deepEqual(await heard, ["v2"]);

          const gone = new Promise((resolve) => clients[0]!.socket.once("disconnect", resolve));
          emitter.in(clients[0]!.socket.id!).disconnectSockets();
          assert.equal(await gone, "io server disconnect");
        } finally {
          pub.disconnect();
        }
      });
    }
  });
}
