/**
 * The ClusterAdapter base on an in-process bus: three real servers on port 0 with real
 * socket.io-client clients. The bus adapter below implements only publish and subscribe, as a
 * Redis or NATS adapter would; every cross-node feature comes from the base.
 */
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import {
  type AdapterConstructor,
  type AdapterNamespace,
  ClusterAdapter,
  type ClusterAdapterOptions,
  type ClusterMessage,
  type ClusterResponse,
  checkClusterMessage,
  type Server,
  ServerErrorCode,
} from "@switchboard/server";
import { Cluster, type Node } from "../../../../test/support/cluster.ts";

/** An in-process bus: delivers structured clones to every subscriber, a macrotask later. */
class MemoryBus {
  readonly adapters = new Set<BusAdapter>();
  /** Publishing fails while down. */
  down = false;
  /** Adapters that neither send nor receive (a hung node). */
  readonly muted = new Set<BusAdapter>();
  /** Adapters that receive but never answer. */
  readonly deaf = new Set<BusAdapter>();
  published = 0;

  publish(from: BusAdapter, payload: ClusterMessage | ClusterResponse): Promise<void> {
    if (this.down) return Promise.reject(new Error("bus unreachable"));
    if (this.muted.has(from)) return Promise.resolve();
    if (this.deaf.has(from) && [8, 10, 11, 12].includes(payload.type)) return Promise.resolve();
    this.published++;
    const copy = structuredClone(payload);
    setImmediate(() => {
      for (const a of this.adapters) if (a !== from && !this.muted.has(a)) a.receive(copy);
    });
    return Promise.resolve();
  }

  adapter(opts: ClusterAdapterOptions = {}): AdapterConstructor {
    const bus = this;
    return class extends BusAdapter {
      constructor(nsp: AdapterNamespace) {
        super(nsp, bus, opts);
      }
    };
  }
}

class BusAdapter extends ClusterAdapter {
  readonly #bus: MemoryBus;
  constructor(nsp: AdapterNamespace, bus: MemoryBus, opts: ClusterAdapterOptions) {
    super(nsp, opts);
    this.#bus = bus;
    bus.adapters.add(this);
  }
  protected override doPublish(message: ClusterMessage): Promise<void> {
    return this.#bus.publish(this, message);
  }
  protected override doPublishResponse(_to: string, response: ClusterResponse): Promise<void> {
    return this.#bus.publish(this, response);
  }
  receive(raw: unknown): void {
    const message = checkClusterMessage(raw);
    if (message) this.onMessage(message);
  }
  override close(): void {
    super.close();
    this.#bus.adapters.delete(this);
  }
}

const cluster = new Cluster();
afterEach(() => cluster.closeAll());

/** Three nodes on one bus, each with two clients in room "r". */
async function threeNodes(opts?: ClusterAdapterOptions) {
  const bus = new MemoryBus();
  const nodes: Node[] = [];
  for (let i = 0; i < 3; i++) {
    const node = await cluster.node({ adapter: bus.adapter(opts) });
    node.io.on("connection", (socket) => {
      socket.join("r");
      socket.data = { node: i };
    });
    nodes.push(node);
  }
  await Promise.all(nodes.map((n) => untilCount(n.io, 3)));
  const clients = [];
  for (const node of nodes) clients.push(await cluster.client(node), await cluster.client(node));
  return { bus, nodes, clients };
}

/** Waits (by heartbeats, not by sleeping a fixed time) until `io` counts `n` servers. */
async function untilCount(io: Server, n: number): Promise<void> {
  while ((await io.of("/").adapter.serverCount()) !== n) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test("a room broadcast from one node reaches every member on every node exactly once", async () => {
  const { bus, nodes, clients } = await threeNodes();
  const before = bus.published;
  nodes[0]!.io.to("r").emit("hello", 1, Buffer.from([1, 2]));
  nodes[0]!.io.to("r").emit("marker");
  await Promise.all(clients.map((c) => c.until("marker")));
  for (const c of clients) {
    assert.equal(c.count("hello"), 1);
    const [, n, bin] = c.received.find((r) => r[0] === "hello")!;
    assert.equal(n, 1);
    assert.deepEqual([...(bin as Buffer)], [1, 2]);
  }
  assert.equal(bus.published - before, 2, "one bus message per broadcast, whatever the recipients");

  // except: the first client of node 1 is left out everywhere
  const excluded = clients[2]!.socket.id!;
  nodes[2]!.io.except(excluded).emit("news");
  nodes[2]!.io.emit("marker2");
  await Promise.all(clients.map((c) => c.until("marker2")));
  assert.deepEqual(
    clients.map((c) => c.count("news")),
    [1, 1, 0, 1, 1, 1],
  );
  // local: only node 2's own clients
  nodes[2]!.io.local.emit("local");
  nodes[2]!.io.emit("marker3");
  await Promise.all(clients.map((c) => c.until("marker3")));
  assert.deepEqual(
    clients.map((c) => c.count("local")),
    [0, 0, 0, 0, 1, 1],
  );
});

test("fetchSockets, socketsJoin/Leave, disconnectSockets and RemoteSocket reach every node", async () => {
  const { nodes, clients } = await threeNodes();
  const io = nodes[1]!.io;
  const all = await io.fetchSockets();
  assert.deepEqual(all.map((s) => s.id).sort(), clients.map((c) => c.socket.id).sort());
  const remote = all.find((s) => s.id === clients[0]!.socket.id)!;
  assert.deepEqual(remote.data, { node: 0 });
  assert.ok(remote.rooms.has("r"));
  remote.emit("direct", "x");
  await clients[0]!.until("direct");

  io.in(clients[4]!.socket.id!).socketsJoin("late");
  io.in("late").emit("to-late");
  // the join reaches node 2 before the broadcast: both travel the bus in order
  await clients[4]!.until("to-late");
  assert.deepEqual(
    (await io.in("late").fetchSockets()).map((s) => s.id),
    [clients[4]!.socket.id],
  );
  io.in("late").socketsLeave("late");
  await untilEmpty(io, "late");

  const gone = new Promise((resolve) => clients[5]!.socket.once("disconnect", resolve));
  io.in(clients[5]!.socket.id!).disconnectSockets();
  assert.equal(await gone, "io server disconnect");
});

test("a RemoteSocket's ack gets its one response, as Socket.IO's does; timeout() bounds it", async () => {
  const { nodes, clients } = await threeNodes();
  clients[0]!.socket.on("q", (n: number, ack: (r: number) => void) => ack(n * 2));
  clients[0]!.socket.on("silent", () => {});
  const remote = (await nodes[1]!.io.fetchSockets()).find((s) => s.id === clients[0]!.socket.id)!;
  assert.ok(!nodes[1]!.io.sockets.sockets.has(remote.id), "the socket lives on another node");
  const viaCallback = await new Promise((resolve) =>
    remote.emit("q", 21, (...a: unknown[]) => resolve(a)),
  );
  assert.deepEqual(viaCallback, [null, 42]);
  const viaTimeout = await new Promise((resolve) =>
    remote.timeout(10_000).emit("q", 5, (err: Error | null, r: unknown) => resolve([err, r])),
  );
  assert.deepEqual(viaTimeout, [null, 10]);
  assert.equal(await remote.timeout(10_000).emitWithAck("q", 1), 2);
  await assert.rejects(remote.timeout(50).emitWithAck("silent"), { code: "SB_ERR_ACK_TIMEOUT" });
});

async function untilEmpty(io: Server, room: string): Promise<void> {
  while ((await io.in(room).fetchSockets()).length > 0) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test("serverSideEmit reaches the other nodes; with acks it collects one response per node", async () => {
  const { nodes } = await threeNodes();
  const heard: number[] = [];
  nodes.forEach((node, i) => {
    node.io.on("ping", (arg: string, ack?: (r: string) => void) => {
      heard.push(i);
      ack?.(`${arg} from ${i}`);
    });
  });
  nodes[0]!.io.serverSideEmit("ping", "plain");
  const responses = await nodes[0]!.io.serverSideEmitWithAck("ping", "hi");
  assert.deepEqual([...responses].sort(), ["hi from 1", "hi from 2"]);
  assert.ok(!heard.includes(0), "a node does not hear its own serverSideEmit");
  assert.deepEqual(heard.sort(), [1, 1, 2, 2]);
});

test("a broadcast with acks counts and collects the clients of every node", async () => {
  const { nodes, clients } = await threeNodes();
  clients.forEach((c, i) => {
    c.socket.on("q", (ack: (n: number) => void) => ack(i));
  });
  const answers = await nodes[2]!.io.timeout(10_000).emitWithAck("q");
  assert.deepEqual([...(answers as number[])].sort(), [0, 1, 2, 3, 4, 5]);
  const none = await nodes[2]!.io.to("nobody").timeout(10_000).emitWithAck("q");
  assert.deepEqual(none, []);
});

test("serverCount drops a closed node at once and a silent one after heartbeatTimeout; requests stop waiting for them", async () => {
  const { bus, nodes } = await threeNodes({
    heartbeatInterval: 20,
    heartbeatTimeout: 200,
    requestsTimeout: 60_000,
  });
  assert.equal(await nodes[0]!.io.of("/").adapter.serverCount(), 3);
  await nodes[2]!.io.close();
  await untilCount(nodes[0]!.io, 2);

  // node 1 hangs: a request started now must end when node 1 is dropped, not at requestsTimeout
  const hung = [...bus.adapters].find((a) => a.nsp === nodes[1]!.io.of("/"))!;
  bus.muted.add(hung);
  const sockets = await nodes[0]!.io.fetchSockets();
  assert.deepEqual(
    sockets.map((s) => s.data.node),
    [0, 0],
  );
  assert.equal(await nodes[0]!.io.of("/").adapter.serverCount(), 1);
});

test("a node that never answers: the request fails with a coded timeout error, never hangs", async () => {
  const { bus, nodes } = await threeNodes({ requestsTimeout: 300 });
  const deaf = [...bus.adapters].find((a) => a.nsp === nodes[1]!.io.of("/"))!;
  bus.deaf.add(deaf);
  await assert.rejects(nodes[0]!.io.fetchSockets(), (err: Error & { code?: string }) => {
    assert.equal(err.code, ServerErrorCode.CLUSTER_TIMEOUT);
    assert.match(err.message, /timeout reached .* only 1 responses received out of 2/);
    return true;
  });
  const [err, responses] = await new Promise<[Error | null, unknown[]]>((resolve) => {
    nodes[2]!.io.on("q", (ack: (r: string) => void) => ack("2"));
    nodes[0]!.io.serverSideEmit("q", (e: Error | null, r: unknown[]) => resolve([e, r]));
  });
  assert.equal((err as Error & { code?: string }).code, ServerErrorCode.CLUSTER_TIMEOUT);
  assert.deepEqual(responses, ["2"], "the responses that did arrive are handed over");
});

test("bus down: local delivery goes on, requests fail fast with a coded error, one error event, then it resumes", async () => {
  const { bus, nodes, clients } = await threeNodes();
  const errors: Error[] = [];
  nodes[0]!.io.on("error", (err) => errors.push(err));
  bus.down = true;
  nodes[0]!.io.emit("during");
  nodes[0]!.io.emit("during");
  await Promise.all([clients[0]!.until("during", 2), clients[1]!.until("during", 2)]);
  await assert.rejects(nodes[0]!.io.fetchSockets(), { code: ServerErrorCode.CLUSTER_PUBLISH });
  assert.equal(errors.length, 1, "one error event per outage");
  assert.equal((errors[0] as Error & { code?: string }).code, ServerErrorCode.CLUSTER_PUBLISH);
  bus.down = false;
  nodes[0]!.io.emit("after");
  await Promise.all(clients.map((c) => c.until("after")));
  assert.equal((await nodes[0]!.io.fetchSockets()).length, 6);
  assert.equal(clients[3]!.count("during"), 0);
});
