/**
 * The cluster end to end: deploy/nginx/switchboard-cluster.conf in front of 3 Switchboard
 * node processes sharing one redis-server through @switchboard/redis-adapter. 300 clients of
 * both client libraries and every transport they have spread over the nodes; a room broadcast
 * from any node reaches every client exactly once (every delivery counted); fetchSockets and
 * serverSideEmit with acks see all nodes; a node killed mid-run loses only its own clients,
 * which reconnect to the others; a Redis restart mid-run is survived.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { RedisServer } from "../../support/redis-server.ts";
import {
  type ClientKind,
  ClientTracker,
  type NodeProcess,
  openInterleaved,
  sb,
  sio,
  startNodeProcess,
  untilNodeCount,
} from "./cluster-processes.ts";
import { type RunningNginx, startDeployNginx } from "./harness.js";

const kinds: readonly ClientKind[] = [
  { name: "socket.io-client, polling then upgrade", count: 60, make: sio() },
  { name: "socket.io-client, polling only", count: 50, make: sio(["polling"]) },
  { name: "socket.io-client, websocket only", count: 40, make: sio(["websocket"]) },
  { name: "@switchboard/client, defaults", count: 50, make: sb() },
  { name: "@switchboard/client, polling only", count: 50, make: sb(["polling"]) },
  { name: "@switchboard/client, sse only", count: 50, make: sb(["sse"]) },
];

const TAGS = ["n1", "n2", "n3"] as const;
let redis: RedisServer;
let nodes: NodeProcess[] = [];
let nginx: RunningNginx;
const tracker = new ClientTracker();
const clients = tracker.clients;

/** Fails a setup that hangs (a client that can never connect) instead of stalling the run. */
const HANG_GUARD = { timeout: 180_000 };

before(async () => {
  redis = await RedisServer.start();
  nodes = await Promise.all(TAGS.map((tag) => startNodeProcess(tag, redis.url)));
  await Promise.all(nodes.map((node) => untilNodeCount(node, 3)));
  nginx = await startDeployNginx("switchboard-cluster.conf", {
    SWITCHBOARD_N1: nodes[0]!.address,
    SWITCHBOARD_N2: nodes[1]!.address,
    SWITCHBOARD_N3: nodes[2]!.address,
  });
}, HANG_GUARD);

after(async () => {
  for (const c of clients) c.socket.disconnect();
  await nginx?.stop();
  for (const node of nodes) await node.kill();
  await redis?.close();
});

test("300 clients on 3 node processes: broadcasts from any node exactly once, fetchSockets and serverSideEmit see all nodes", async () => {
  await openInterleaved(kinds, 60, async (kind) => {
    await tracker.untilWelcomed(tracker.add(kind.name, kind.make(nginx.url)), 1);
  });
  assert.equal(clients.length, 300);
  const split = tracker.perNode();
  for (const tag of TAGS) assert.ok((split[tag] ?? 0) > 0, `node ${tag} has clients`);

  const ids = TAGS.map((tag) => `from-${tag}`);
  for (const [i, node] of nodes.entries()) await tracker.broadcast(node, ids[i]!);
  await tracker.assertExactlyOnce(ids, nodes, "marker1");

  for (const node of nodes) {
    const fetched = await node.ask<{ count: number; perNode: Record<string, number> }>("ctl:fetch");
    assert.deepEqual(fetched, { count: 300, perNode: split }, `fetchSockets from ${node.tag}`);
    const who = await node.ask<{ responses: string[] }>("ctl:who");
    assert.deepEqual(
      [...who.responses].sort(),
      TAGS.filter((t) => t !== node.tag),
      `serverSideEmitWithAck from ${node.tag}`,
    );
  }
  const transports: Record<string, number> = {};
  for (const c of clients) {
    const name = c.socket.io.engine.transport?.name ?? "none";
    transports[name] = (transports[name] ?? 0) + 1;
  }
  console.log(
    `# cluster over redis: clients per node ${JSON.stringify(split)}, transports ${JSON.stringify(transports)}`,
  );
});

test("a node process killed mid-run: only its clients drop, they reconnect to the others, the cluster counts 2", async () => {
  const [n1, n2, n3] = nodes as [NodeProcess, NodeProcess, NodeProcess];
  const onN3 = clients.filter((c) => c.welcomes.at(-1) === "n3");
  const others = clients.filter((c) => c.welcomes.at(-1) !== "n3");
  assert.ok(onN3.length > 0);
  await n3.kill();
  await Promise.all(onN3.map((c) => tracker.untilWelcomed(c, c.welcomes.length + 1)));
  for (const c of onN3) assert.notEqual(c.welcomes.at(-1), "n3");
  assert.deepEqual(
    others.filter((c) => c.disconnects > 0).map((c) => c.kind),
    [],
    "the other nodes' clients never dropped",
  );
  await untilNodeCount(n1, 2);
  await untilNodeCount(n2, 2);
  await tracker.broadcast(n1, "after-kill");
  await tracker.assertExactlyOnce(["after-kill"], [n1, n2], "marker2");
  assert.equal((await n2.ask<{ count: number }>("ctl:fetch")).count, 300);
  console.log(
    `# node killed: ${onN3.length} clients of n3 reconnected, now ${JSON.stringify(tracker.perNode())}`,
  );
});

test("redis-server restarted mid-run: local delivery goes on, the cluster resumes by itself", async () => {
  const [n1, n2] = nodes as [NodeProcess, NodeProcess];
  const onN1 = clients.filter((c) => c.welcomes.at(-1) === "n1");
  await redis.stop();
  // n1's own clients still get n1's broadcasts while Redis is away
  const local = tracker.untilEveryone("during-outage", onN1.length);
  await n1.ask("ctl:broadcast", "during-outage");
  await local;
  const failed = await n1.ask<{ error?: string }>("ctl:fetch");
  assert.match(failed.error ?? "", /timeout reached/, "cross-node fetchSockets fails, coded");
  await redis.restart();
  await untilNodeCount(n1, 2);
  await untilNodeCount(n2, 2);
  await tracker.broadcast(n2, "after-restart");
  await tracker.assertExactlyOnce(["after-restart"], [n1, n2], "marker3");
  assert.equal((await n1.ask<{ count: number }>("ctl:fetch")).count, 300);
  assert.equal(
    clients.filter((c) => c.disconnects > 0 && c.welcomes[0] !== "n3").length,
    0,
    "no client dropped because of the Redis restart",
  );
});
