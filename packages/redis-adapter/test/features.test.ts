/**
 * Every cross-node feature on a real redis-server, for both client libraries and both modes
 * (pub/sub and Redis 7 sharded pub/sub): three Switchboard servers on port 0, each with its own
 * pair of Redis connections, and socket.io-client clients that count what they receive.
 */
import assert from "node:assert/strict";
import { after, afterEach, before, describe, test } from "node:test";
import type { AdapterConstructor, Server } from "@switchboard/server";
import { Cluster, type Node, type RecordingClient } from "../../../test/support/cluster.ts";
import { RedisServer } from "../../../test/support/redis-server.ts";
import { createAdapter, createShardedAdapter } from "../src/index.ts";
import { type ClientPair, clientPair, type Library, untilServerCount } from "./clients.ts";

let redis: RedisServer;
before(async () => {
  redis = await RedisServer.start();
});
after(() => redis.close());

type Mode = "pubsub" | "sharded";
const adapters: Record<Mode, (pair: ClientPair) => AdapterConstructor> = {
  pubsub: ({ pub, sub }) => createAdapter(pub, sub, { requestsTimeout: 3000 }),
  sharded: ({ pub, sub }) => createShardedAdapter(pub, sub, { requestsTimeout: 3000 }),
};

for (const library of ["ioredis", "node-redis"] as const satisfies readonly Library[]) {
  for (const mode of ["pubsub", "sharded"] as const) {
    describe(`${library}, ${mode}`, () => {
      const cluster = new Cluster();
      const pairs: ClientPair[] = [];
      let nodes: Node[] = [];
      let clients: RecordingClient[] = [];

      afterEach(async () => {
        await cluster.closeAll();
        for (const p of pairs.splice(0)) await p.close();
      });

      /** Three nodes, two clients each, all in room "r"; the first client of each in "first". */
      async function start(): Promise<void> {
        nodes = [];
        clients = [];
        for (let i = 0; i < 3; i++) {
          const pair = await clientPair(library, redis.url);
          pairs.push(pair);
          const node = await cluster.node({ adapter: adapters[mode](pair) });
          node.io.on("connection", (socket) => {
            socket.join("r");
            if (socket.handshake.query.first === "1") socket.join("first");
            socket.data = { node: i };
          });
          nodes.push(node);
        }
        await Promise.all(nodes.map((n) => untilServerCount(n.io, 3)));
        for (const node of nodes) {
          clients.push(await cluster.client(node, "/?first=1"), await cluster.client(node));
        }
      }

      test("room broadcasts reach every member on every node exactly once; except; binary", async () => {
        await start();
        const io = nodes[1]!.io;
        io.to("r").emit("hello", "x", Buffer.from([7, 8]));
        io.to("first").emit("first-only");
        io.except("first").emit("not-first");
        io.to("r").emit("marker");
        await Promise.all(clients.map((c) => c.until("marker")));
        assert.deepEqual(
          clients.map((c) => c.count("hello")),
          [1, 1, 1, 1, 1, 1],
        );
        const [, text, bin] = clients[4]!.received.find((r) => r[0] === "hello")!;
        assert.equal(text, "x");
        assert.deepEqual([...(bin as Buffer)], [7, 8]);
        // the markers went out after these on the same channels: nothing more can arrive
        io.to("first").emit("marker-first");
        io.emit("marker-all");
        await Promise.all(clients.map((c) => c.until("marker-all")));
        await Promise.all([0, 2, 4].map((i) => clients[i]!.until("marker-first")));
        assert.deepEqual(
          clients.map((c) => c.count("first-only")),
          [1, 0, 1, 0, 1, 0],
        );
        assert.deepEqual(
          clients.map((c) => c.count("not-first")),
          [0, 1, 0, 1, 0, 1],
        );
      });

      test("fetchSockets, socketsJoin/Leave, disconnectSockets across nodes", async () => {
        await start();
        const io = nodes[0]!.io;
        const all = await io.fetchSockets();
        assert.deepEqual(all.map((s) => s.id).sort(), clients.map((c) => c.socket.id).sort());
        const remote = all.find((s) => s.id === clients[5]!.socket.id)!;
        assert.deepEqual(remote.data, { node: 2 });
        assert.deepEqual([...remote.rooms].sort(), [remote.id, "r"].sort());

        io.in(clients[3]!.socket.id!).socketsJoin("joined");
        await untilRoom(io, "joined", [clients[3]!.socket.id!]);
        io.to("joined").emit("to-joined");
        await clients[3]!.until("to-joined");
        io.in("joined").socketsLeave("joined");
        await untilRoom(io, "joined", []);

        const gone = new Promise((resolve) => clients[5]!.socket.once("disconnect", resolve));
        io.in(clients[5]!.socket.id!).disconnectSockets();
        assert.equal(await gone, "io server disconnect");
      });

      test("serverSideEmit with and without acks; broadcast with acks; serverCount", async () => {
        await start();
        const heard: string[] = [];
        nodes.forEach((node, i) => {
          node.io.on("sync", (v: string, ack?: (r: string) => void) => {
            heard.push(`${i}:${v}`);
            ack?.(`ok ${i}`);
          });
        });
        nodes[2]!.io.serverSideEmit("sync", "plain");
        const responses = await nodes[2]!.io.serverSideEmitWithAck("sync", "acked");
        assert.deepEqual([...responses].sort(), ["ok 0", "ok 1"]);
        assert.deepEqual(heard.sort(), ["0:acked", "0:plain", "1:acked", "1:plain"]);

        clients.forEach((c, i) => {
          c.socket.on("q", (ack: (n: number) => void) => ack(i));
        });
        const answers = (await nodes[0]!.io.timeout(5000).emitWithAck("q")) as number[];
        assert.deepEqual([...answers].sort(), [0, 1, 2, 3, 4, 5]);
        const firsts = (await nodes[0]!.io.to("first").timeout(5000).emitWithAck("q")) as number[];
        assert.deepEqual([...firsts].sort(), [0, 2, 4]);
        assert.equal(await nodes[1]!.io.of("/").adapter.serverCount(), 3);
        await nodes[2]!.io.close();
        await untilServerCount(nodes[0]!.io, 2);
      });
    });
  }
}

async function untilRoom(io: Server, room: string, ids: string[]): Promise<void> {
  for (;;) {
    const found = (await io.in(room).fetchSockets()).map((s) => s.id);
    if (found.length === ids.length && ids.every((id) => found.includes(id))) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
