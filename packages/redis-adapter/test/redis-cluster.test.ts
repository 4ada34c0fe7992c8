/**
 * On a real Redis Cluster (three masters, started by the test) with ioredis `Cluster` clients:
 * the pub/sub adapter (PUBLISH is propagated to every master; the server count is NUMSUB
 * summed over the masters) and the sharded one (SPUBLISH to the channel's shard).
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { after, afterEach, before, test } from "node:test";
import type { AdapterConstructor } from "@switchboard/server";
import { Cluster as IoRedisCluster } from "ioredis";
import { Cluster, type Node } from "../../../test/support/cluster.ts";
import { RedisCluster } from "../../../test/support/redis-server.ts";
import { createAdapter, createShardedAdapter } from "../src/index.ts";
import { untilServerCount } from "./clients.ts";

let redis: RedisCluster;
before(async () => {
  redis = await RedisCluster.start(3);
});
after(() => redis?.close());

const cluster = new Cluster();
const clients: IoRedisCluster[] = [];
afterEach(async () => {
  await cluster.closeAll();
  for (const c of clients.splice(0)) c.disconnect();
});

/** `shardedSubscribers`: ioredis subscribes shard channels on each shard's master only then. */
async function connectCluster(shardedSubscribers = false): Promise<IoRedisCluster> {
  const c = new IoRedisCluster(redis.nodes, { shardedSubscribers });
  c.on("error", () => {});
  clients.push(c);
  await once(c, "ready");
  return c;
}

for (const sharded of [false, true]) {
  // the timeout only turns a hang (a subscription that never happened) into a failure
  test(`ioredis Cluster, ${sharded ? "sharded" : "pub/sub"}: broadcasts exactly once, fetchSockets, serverSideEmit, serverCount`, {
    timeout: 120_000,
  }, async () => {
    const nodes: Node[] = [];
    for (let i = 0; i < 3; i++) {
      const pub = await connectCluster();
      const sub = await connectCluster(sharded);
      const adapter: AdapterConstructor = sharded
        ? createShardedAdapter(pub, sub, { requestsTimeout: 3000 })
        : createAdapter(pub, sub, { requestsTimeout: 3000 });
      const node = await cluster.node({ adapter });
      node.io.on("connection", (socket) => {
        socket.join("room");
        socket.data = { node: i };
      });
      node.io.on("who", (ack: (n: number) => void) => ack(i));
      nodes.push(node);
    }
    await Promise.all(nodes.map((n) => untilServerCount(n.io, 3)));
    const recorders = [];
    for (const node of nodes) recorders.push(await cluster.client(node));
    nodes[0]!.io.to("room").emit("hello", 1);
    nodes[2]!.io.to("room").emit("hello", 2);
    for (const node of nodes) node.io.to("room").emit("marker");
    await Promise.all(recorders.map((r) => r.until("marker", 3)));
    assert.deepEqual(
      recorders.map((r) => r.count("hello")),
      [2, 2, 2],
    );
    const sockets = await nodes[1]!.io.fetchSockets();
    assert.deepEqual(sockets.map((s) => s.data.node).sort(), [0, 1, 2]);
    assert.deepEqual([...(await nodes[1]!.io.serverSideEmitWithAck("who"))].sort(), [0, 2]);
  });
}
