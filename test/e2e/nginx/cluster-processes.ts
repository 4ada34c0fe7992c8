/**
 * Node processes for the cluster tests (cluster-node.ts), with a control socket each: start,
 * kill, and ask a node to act on the cluster (every process is killed at the end of the test
 * file, whatever happens); and clients of both libraries that count every delivery.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { after } from "node:test";
import { io as switchboardIo } from "@switchboard/client";
import { type Socket as ClientSocket, io as connect } from "socket.io-client";
import { CLUSTER_NODE_SCRIPT, linkNode } from "./cluster-node-link.js";

/** One node process. */
export interface NodeProcess {
  readonly tag: string;
  readonly port: number;
  /** `127.0.0.1:<port>` */
  readonly address: string;
  readonly child: ChildProcess;
  /** A control socket connected straight to this node (not through nginx). */
  readonly control: ClientSocket;
  /** Sends a control request and resolves with the node's answer. */
  ask<T = unknown>(
    event: "ctl:broadcast" | "ctl:fetch" | "ctl:who" | "ctl:count" | "ctl:seq" | "ctl:seq-stop",
    ...args: unknown[]
  ): Promise<T>;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM (the node closes gracefully, then exits), and wait for the exit. */
  terminate(): Promise<void>;
}

const children = new Set<ChildProcess>();
after(() => {
  for (const child of children) child.kill("SIGKILL");
});

/**
 * Starts a node process of `kind` with session tag `tag`, on Redis `redisUrl`, with the pub/sub
 * adapter or (`"streams"`) the Redis Streams adapter and connection state recovery.
 */
export async function startNodeProcess(
  tag: string,
  redisUrl: string,
  kind: "switchboard" | "socket.io" = "switchboard",
  adapter: "pubsub" | "streams" = "pubsub",
): Promise<NodeProcess> {
  const child = spawn(
    process.execPath,
    ["--conditions=source", "--import", "tsx", CLUSTER_NODE_SCRIPT],
    {
      env: { ...process.env, TAG: tag, REDIS_URL: redisUrl, KIND: kind, ADAPTER: adapter },
      stdio: ["pipe", "pipe", "inherit"],
    },
  );
  children.add(child);
  child.once("exit", () => children.delete(child));
  const { port, control, stop } = await linkNode(child, tag);
  return {
    tag,
    port,
    address: `127.0.0.1:${port}`,
    child,
    control,
    ask: (event, ...args) => control.timeout(20_000).emitWithAck(event, ...args),
    kill: () => stop("SIGKILL"),
    terminate: () => stop("SIGTERM"),
  };
}

/** Asks `node` for its serverCount until it is `n` (a count has no event to wait for). */
export async function untilNodeCount(node: NodeProcess, n: number): Promise<void> {
  while ((await node.ask<number>("ctl:count")) !== n) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** What the tests need of both client libraries' sockets. */
export interface AnySocket {
  connected: boolean;
  /** Whether the last connection restored the previous session (connection state recovery). */
  recovered: boolean;
  io: { engine: { transport?: { name: string } | undefined } };
  on(event: string, listener: (...args: never[]) => void): unknown;
  once(event: string, listener: (...args: never[]) => void): unknown;
  disconnect(): unknown;
}

/** Makes a client (default reconnection) for a URL, with `auth` if given. */
export type Make = (url: string, auth?: Record<string, unknown>) => AnySocket;

/** socket.io-client 4.8, offering `transports` (its default ladder if none). */
export const sio =
  (transports?: ("polling" | "websocket")[]): Make =>
  (url, auth) =>
    connect(url, {
      forceNew: true,
      ...(transports && { transports }),
      ...(auth && { auth }),
    }) as unknown as AnySocket;

/** @switchboard/client, offering `transports` (its default ladder if none). */
export const sb =
  (transports?: ("polling" | "websocket" | "sse")[]): Make =>
  (url, auth) =>
    switchboardIo(url, {
      forceNew: true,
      ...(transports && { transports }),
      ...(auth && { auth }),
    }) as unknown as AnySocket;

/** A kind of client: how many of them, and how to make one. */
export interface ClientKind {
  readonly name: string;
  readonly count: number;
  readonly make: Make;
}

/**
 * Opens `count` clients of every kind, kinds interleaved, at most `concurrency` handshakes at
 * once (the machine has 2 cores): `open(kind, i)` opens the i-th of a kind and resolves once it
 * is welcomed.
 */
export async function openInterleaved(
  kinds: readonly ClientKind[],
  concurrency: number,
  open: (kind: ClientKind, i: number) => Promise<void>,
): Promise<void> {
  const tasks = kinds.flatMap((kind) =>
    Array.from({ length: kind.count }, (_, i) => () => open(kind, i)),
  );
  // 7919 is prime: i * 7919 mod n visits every index once, the kinds mixed
  const order = tasks.map((_, i) => (i * 7919) % tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < order.length) await tasks[order[next++]!]!();
    }),
  );
}

/** A client and everything it received. */
export interface Tracked {
  kind: string;
  socket: AnySocket;
  /** Tags of the nodes that welcomed it, in order (one more per reconnection). */
  welcomes: string[];
  /** Deliveries of each broadcast id. */
  deliveries: Map<string, number>;
  disconnects: number;
}

type Listener = (...args: never[]) => void;

/** The clients of a test, counting every "welcome" and every "bcast" delivery. */
export class ClientTracker {
  readonly clients: Tracked[] = [];
  readonly #first = new Map<string, { seen: number; wake?: () => void }>();

  add(kind: string, socket: AnySocket): Tracked {
    const t: Tracked = { kind, socket, welcomes: [], deliveries: new Map(), disconnects: 0 };
    socket.on("welcome", ((tag: string) => t.welcomes.push(tag)) as Listener);
    socket.on("disconnect", (() => t.disconnects++) as Listener);
    socket.on("bcast", ((id: string) => {
      const n = (t.deliveries.get(id) ?? 0) + 1;
      t.deliveries.set(id, n);
      if (n !== 1) return;
      const w = this.#waiter(id);
      w.seen++;
      w.wake?.();
    }) as Listener);
    this.clients.push(t);
    return t;
  }

  #waiter(id: string): { seen: number; wake?: () => void } {
    let w = this.#first.get(id);
    if (!w) {
      w = { seen: 0 };
      this.#first.set(id, w);
    }
    return w;
  }

  /** Resolves when `among` clients (all by default) have received broadcast `id`. */
  untilEveryone(id: string, among = this.clients.length): Promise<void> {
    return new Promise((resolve) => {
      const w = this.#waiter(id);
      w.wake = () => {
        if (w.seen >= among) resolve();
      };
      w.wake();
    });
  }

  /** Resolves once `t` has been welcomed `n` times in total. */
  async untilWelcomed(t: Tracked, n: number): Promise<void> {
    while (t.welcomes.length < n) {
      await new Promise<void>((resolve) => t.socket.once("welcome", (() => resolve()) as Listener));
    }
  }

  /** Has `node` broadcast `id` to room "all" and waits until every client has it. */
  async broadcast(node: NodeProcess, id: string): Promise<void> {
    const done = this.untilEveryone(id);
    assert.equal(await node.ask("ctl:broadcast", id), node.tag);
    await done;
  }

  /**
   * Every delivery counted: after a marker from every live node (which travels behind what
   * that node sent before it), each of `ids` was received exactly once by every client.
   */
  async assertExactlyOnce(ids: string[], live: NodeProcess[], marker: string): Promise<void> {
    for (const node of live) await this.broadcast(node, `${marker}-${node.tag}`);
    for (const id of ids) {
      const wrong = this.clients.filter((c) => (c.deliveries.get(id) ?? 0) !== 1);
      assert.deepEqual(
        wrong.map((c) => `${c.kind}: ${c.deliveries.get(id) ?? 0}`),
        [],
        `broadcast ${id}: each of ${this.clients.length} clients exactly once`,
      );
    }
  }

  /** Clients per node, by the node that welcomed each last. */
  perNode(): Record<string, number> {
    const split: Record<string, number> = {};
    for (const c of this.clients) {
      const tag = c.welcomes.at(-1) ?? "none";
      split[tag] = (split[tag] ?? 0) + 1;
    }
    return split;
  }
}
