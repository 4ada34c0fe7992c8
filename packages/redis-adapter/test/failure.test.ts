/**
 * Failures, with a real redis-server that the test stops and restarts, and a node in its own
 * process that the test freezes and kills: local delivery goes on, cross-node calls fail within
 * requestsTimeout with a coded error, the outage reaches io.on("error"), everything resumes by
 * itself, and a dead node stops being waited for.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { after, afterEach, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { ServerErrorCode } from "@switchboard/server";
import { Cluster, type Node } from "../../../test/support/cluster.ts";
import { RedisServer } from "../../../test/support/redis-server.ts";
import { createAdapter, createShardedAdapter } from "../src/index.ts";
import { type ClientPair, clientPair, type Library, untilServerCount } from "./clients.ts";

let redis: RedisServer;
before(async () => {
  redis = await RedisServer.start();
});
after(() => redis.close());

const cluster = new Cluster();
const pairs: ClientPair[] = [];
afterEach(async () => {
  await cluster.closeAll();
  for (const p of pairs.splice(0)) await p.close();
});

async function node(library: Library, sharded: boolean, requestsTimeout: number): Promise<Node> {
  const pair = await clientPair(library, redis.url);
  pairs.push(pair);
  const adapter = sharded
    ? createShardedAdapter(pair.pub, pair.sub, { requestsTimeout })
    : createAdapter(pair.pub, pair.sub, { requestsTimeout });
  const n = await cluster.node({ adapter });
  n.io.on("connection", (socket) => {
    socket.join("r");
  });
  return n;
}

for (const library of ["ioredis", "node-redis"] as const) {
  for (const sharded of [false, true]) {
    test(`${library}${sharded ? ", sharded" : ""}: redis stopped, then restarted`, async () => {
      const a = await node(library, sharded, 500);
      const b = await node(library, sharded, 500);
      await untilServerCount(a.io, 2);
      const [ca, cb] = [await cluster.client(a), await cluster.client(b)];
      const errors: Error[] = [];
      const firstError = new Promise<void>((resolve) =>
        a.io.on("error", (err) => {
          errors.push(err);
          resolve();
        }),
      );

      await redis.stop();
      await firstError;
      // local delivery goes on
      a.io.to("r").emit("local", 1);
      await ca.until("local");
      // a new client's CONNECT is answered
      const late = await cluster.client(a);
      assert.ok(late.socket.connected);
      // cross-node calls fail within requestsTimeout, with a coded error
      await assert.rejects(a.io.fetchSockets(), { code: ServerErrorCode.CLUSTER_TIMEOUT });
      await assert.rejects(a.io.serverSideEmitWithAck("x"), {
        code: ServerErrorCode.CLUSTER_TIMEOUT,
      });
      await assert.rejects(a.io.of("/").adapter.serverCount(), {
        code: ServerErrorCode.CLUSTER_TIMEOUT,
      });
      assert.equal(errors.length, 1, "one error event for the outage, not one per retry");

      await redis.restart();
      await untilServerCount(a.io, 2);
      await untilServerCount(b.io, 2);
      // the subscriptions came back by themselves: cross-node delivery and requests work again
      b.io.to("r").emit("after", 2);
      await Promise.all([ca.until("after"), cb.until("after"), late.until("after")]);
      assert.equal((await a.io.fetchSockets()).length, 3);
      // a new outage is reported anew
      const second = new Promise<void>((resolve) => a.io.on("error", () => resolve()));
      await redis.stop();
      await second;
      await redis.restart();
      await untilServerCount(a.io, 2);
    });
  }
}

/** A node in a child process; killed at the end whatever happens. */
async function childNode(): Promise<{ child: ChildProcess; url: string }> {
  const script = fileURLToPath(new URL("./fixtures/node.ts", import.meta.url));
  const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", script], {
    env: { ...process.env, REDIS_URL: redis.url },
    stdio: ["pipe", "pipe", "inherit"],
  });
  after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  const [line] = (await once(createInterface({ input: child.stdout! }), "line")) as [string];
  const { port } = JSON.parse(line) as { port: number };
  return { child, url: `http://127.0.0.1:${port}` };
}

test("a node that dies: serverCount drops it and a pending request stops waiting for it", async () => {
  const a = await node("ioredis", false, 60_000);
  const b = await node("ioredis", false, 60_000);
  const { child, url } = await childNode();
  await untilServerCount(a.io, 3);
  await cluster.client(a);
  await cluster.client(b);
  await cluster.client({ url });
  b.io.on("who", (ack: (name: string) => void) => ack("b"));
  assert.deepEqual([...(await a.io.serverSideEmitWithAck("who"))].sort(), ["b", "child"]);

  // frozen: still subscribed, so still counted, and a request now waits for it...
  child.kill("SIGSTOP");
  const pending = a.io.fetchSockets();
  const pendingEmit = a.io.serverSideEmitWithAck("who");
  // ...until it dies: its connections close, Redis drops its subscriptions
  const exited = once(child, "exit");
  child.kill("SIGKILL");
  await exited;
  const sockets = await pending;
  assert.equal(sockets.length, 2, "the two live nodes' sockets, without waiting 60 s");
  assert.deepEqual(await pendingEmit, ["b"]);
  await untilServerCount(a.io, 2);
});
