/**
 * A rolling migration, as processes: two Switchboard nodes (@switchboard/redis-adapter) and one
 * Socket.IO 4.8 node (@socket.io/redis-adapter 8.3) share one redis-server, and
 * @socket.io/redis-emitter 5.1 publishes into it. Clients of both libraries connect straight to
 * each node (Socket.IO's session ids carry no node tag for nginx to route on). Broadcasts from
 * either kind and from the emitter reach every client exactly once; fetchSockets and
 * serverSideEmit with acks from either kind see every node.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Emitter } from "@socket.io/redis-emitter";
import { Redis } from "ioredis";
import { RedisServer } from "../../support/redis-server.ts";
import {
  ClientTracker,
  type NodeProcess,
  sb,
  sio,
  startNodeProcess,
  untilNodeCount,
} from "./cluster-processes.ts";

let redis: RedisServer;
let nodes: NodeProcess[] = [];
const tracker = new ClientTracker();
const TAGS = ["sb1", "sb2", "sio"] as const;

/** Fails a setup that hangs (a client that can never connect) instead of stalling the run. */
const HANG_GUARD = { timeout: 180_000 };

before(async () => {
  redis = await RedisServer.start();
  nodes = await Promise.all([
    startNodeProcess("sb1", redis.url),
    startNodeProcess("sb2", redis.url),
    startNodeProcess("sio", redis.url, "socket.io"),
  ]);
  await Promise.all(nodes.map((node) => untilNodeCount(node, 3)));
  // sse is this project's own transport: a Socket.IO server does not offer it
  const makes = [sio(), sio(["polling"]), sb(), sb(["polling"]), sb(["sse"])];
  await Promise.all(
    nodes.flatMap((node) =>
      Array.from({ length: 20 }, async (_, i) => {
        const choices = node.tag === "sio" ? makes.slice(0, 4) : makes;
        const make = choices[i % choices.length]!;
        const t = tracker.add(`${node.tag} #${i}`, make(`http://${node.address}`));
        await tracker.untilWelcomed(t, 1);
      }),
    ),
  );
}, HANG_GUARD);

after(async () => {
  for (const c of tracker.clients) c.socket.disconnect();
  for (const node of nodes) await node.kill();
  await redis?.close();
});

test("broadcasts from a Switchboard node, a Socket.IO node and the emitter reach every client once", async () => {
  assert.deepEqual(tracker.perNode(), { sb1: 20, sb2: 20, sio: 20 });
  for (const node of nodes) await tracker.broadcast(node, `from-${node.tag}`);
  const pub = new Redis(redis.url);
  try {
    const emitter = new Emitter(pub);
    const done = tracker.untilEveryone("from-emitter");
    emitter.to("all").emit("bcast", "from-emitter", "emitter");
    await done;
  } finally {
    pub.disconnect();
  }
  await tracker.assertExactlyOnce(
    [...TAGS.map((t) => `from-${t}`), "from-emitter"],
    nodes,
    "marker",
  );
});

test("fetchSockets and serverSideEmit with acks from either kind see every node", async () => {
  for (const node of nodes) {
    const fetched = await node.ask<{ count: number; perNode: Record<string, number> }>("ctl:fetch");
    assert.deepEqual(fetched, { count: 60, perNode: { sb1: 20, sb2: 20, sio: 20 } }, node.tag);
    const who = await node.ask<{ responses: string[] }>("ctl:who");
    assert.deepEqual(
      [...who.responses].sort(),
      TAGS.filter((t) => t !== node.tag).sort(),
      `serverSideEmitWithAck from ${node.tag}`,
    );
  }
});

test("the Socket.IO node dies: the Switchboard nodes count 2 and keep serving each other", async () => {
  const [sb1, sb2, sioNode] = nodes as [NodeProcess, NodeProcess, NodeProcess];
  await sioNode.kill();
  await untilNodeCount(sb1, 2);
  const survivors = tracker.clients.filter((c) => c.welcomes[0] !== "sio");
  const done = tracker.untilEveryone("after-sio", survivors.length);
  await sb2.ask("ctl:broadcast", "after-sio");
  await done;
  assert.equal((await sb1.ask<{ count: number }>("ctl:fetch")).count, 40);
});
