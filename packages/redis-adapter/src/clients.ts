/**
 * The few Redis commands the adapters need, over either client library: ioredis 5 (standalone
 * and Cluster) or node-redis 4/5 (standalone). Messages are always received as Buffers, so
 * binary msgpack payloads arrive intact.
 */

import { ClusterTimeoutError } from "@switchboard/server";

/** Receives one message: its payload and the channel it came on. */
export type MessageListener = (message: Buffer, channel: string) => void;

type Handler = (...args: unknown[]) => void;

/** What this package uses of an ioredis client (`new Redis()` or `new Redis.Cluster()`). */
export interface IoRedisLike {
  publish(channel: string, message: string | Buffer): Promise<unknown>;
  psubscribe(...patterns: string[]): Promise<unknown>;
  punsubscribe(...patterns: string[]): Promise<unknown>;
  subscribe(...channels: string[]): Promise<unknown>;
  unsubscribe(...channels: string[]): Promise<unknown>;
  call(command: string, ...args: string[]): Promise<unknown>;
  on(event: string, listener: Handler): unknown;
  off(event: string, listener: Handler): unknown;
}

/** A node-redis listener in buffer mode. */
export type BufferListener = (message: Buffer, channel: Buffer) => void;

/** What this package uses of a node-redis client (`createClient()`, connected). */
export interface NodeRedisLike {
  publish(channel: string, message: string | Buffer): Promise<unknown>;
  pSubscribe(pattern: string, listener: BufferListener, bufferMode: true): Promise<unknown>;
  pUnsubscribe(pattern: string, listener: BufferListener, bufferMode: true): Promise<unknown>;
  subscribe(channel: string, listener: BufferListener, bufferMode: true): Promise<unknown>;
  unsubscribe(channel: string, listener: BufferListener, bufferMode: true): Promise<unknown>;
  sendCommand(args: string[]): Promise<unknown>;
  on(event: string, listener: Handler): unknown;
  off(event: string, listener: Handler): unknown;
}

/** A Redis client of either library. */
export type RedisClient = IoRedisLike | NodeRedisLike;

/** Subscription kinds: channels, patterns, shard channels (Redis 7 sharded pub/sub). */
export type Kind = "channel" | "pattern" | "shard";

/** The adapter's view of a client: publish, subscribe, count subscribers, watch health. */
export interface Bus {
  /** Publishes `payload` on `channel` (`PUBLISH`, or `SPUBLISH` for a shard channel). */
  publish(kind: "channel" | "shard", channel: string, payload: string | Buffer): Promise<void>;
  /** Adds `listener` to a channel, pattern or shard channel (subscribing on the first one). */
  subscribe(kind: Kind, name: string, listener: MessageListener): Promise<void>;
  /** Removes `listener` (unsubscribing after the last one). */
  unsubscribe(kind: Kind, name: string, listener: MessageListener): Promise<void>;
  /** `PUBSUB NUMSUB` or `PUBSUB SHARDNUMSUB` for one channel, summed over cluster nodes. */
  numsub(kind: "channel" | "shard", channel: string): Promise<number>;
  /** Calls `onError` on every client error and `onReady` when the connection is (back) up. */
  watch(onError: (err: Error) => void, onReady: () => void): () => void;
}

/**
 * A subscriber count that fails with a coded timeout after `ms` instead of waiting in a
 * client's offline queue while Redis is away.
 */
export function countWithin(count: Promise<number>, ms: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new ClusterTimeoutError("serverCount", 0, Number.NaN)),
      ms,
    );
    count.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}

/** Reports both clients' errors and recoveries to the adapter; returns the detach. */
export function watchClients(
  buses: readonly Bus[],
  adapter: { busError(err: Error): void; busRecovered(): void },
): () => void {
  const detach = buses.map((bus) =>
    bus.watch(
      (err) => adapter.busError(err),
      () => adapter.busRecovered(),
    ),
  );
  return () => {
    for (const d of detach) d();
  };
}

function isNodeRedis(client: RedisClient): client is NodeRedisLike {
  return typeof (client as Partial<NodeRedisLike>).pSubscribe === "function";
}

/** Wraps a client of either library. */
export function busOf(client: RedisClient): Bus {
  return isNodeRedis(client) ? nodeRedisBus(client) : ioRedisBus(client);
}

function watch(
  client: RedisClient,
  onError: (err: Error) => void,
  onReady: () => void,
): () => void {
  const error = (err: unknown) => onError(err instanceof Error ? err : new Error(String(err)));
  client.on("error", error as Handler);
  client.on("ready", onReady as Handler);
  return () => {
    client.off("error", error as Handler);
    client.off("ready", onReady as Handler);
  };
}

function countOf(reply: unknown): number {
  // PUBSUB NUMSUB answers [channel, count]
  const n = Array.isArray(reply) ? Number(reply[1]) : Number.NaN;
  if (!Number.isFinite(n)) throw new Error(`unexpected PUBSUB reply: ${String(reply)}`);
  return n;
}

const command = (kind: "channel" | "shard") => (kind === "shard" ? "SHARDNUMSUB" : "NUMSUB");

function nodeRedisBus(client: NodeRedisLike): Bus {
  const named = client as NodeRedisLike & {
    sPublish?: (channel: string, message: string | Buffer) => Promise<unknown>;
    sSubscribe?: (channel: string, listener: BufferListener, bufferMode: true) => Promise<unknown>;
    sUnsubscribe?: (
      channel: string,
      listener: BufferListener,
      bufferMode: true,
    ) => Promise<unknown>;
  };
  // node-redis hands (message, channel) as Buffers in buffer mode
  const wrapped = new WeakMap<MessageListener, BufferListener>();
  const wrap = (listener: MessageListener): BufferListener => {
    let w = wrapped.get(listener);
    if (!w) {
      w = (message, channel) => listener(message, String(channel));
      wrapped.set(listener, w);
    }
    return w;
  };
  return {
    async publish(kind, channel, payload) {
      if (kind === "shard")
        await shardMethod(named.sPublish, "sPublish").call(client, channel, payload);
      else await client.publish(channel, payload);
    },
    async subscribe(kind, name, listener) {
      if (kind === "pattern") await client.pSubscribe(name, wrap(listener), true);
      else if (kind === "shard")
        await shardMethod(named.sSubscribe, "sSubscribe").call(client, name, wrap(listener), true);
      else await client.subscribe(name, wrap(listener), true);
    },
    async unsubscribe(kind, name, listener) {
      if (kind === "pattern") await client.pUnsubscribe(name, wrap(listener), true);
      else if (kind === "shard")
        await shardMethod(named.sUnsubscribe, "sUnsubscribe").call(
          client,
          name,
          wrap(listener),
          true,
        );
      else await client.unsubscribe(name, wrap(listener), true);
    },
    async numsub(kind, channel) {
      return countOf(await client.sendCommand(["PUBSUB", command(kind), channel]));
    },
    watch: (onError, onReady) => watch(client, onError, onReady),
  };
}

function shardMethod<F>(method: F | undefined, name: string): F {
  if (typeof method !== "function") {
    throw new TypeError(
      `this Redis client has no ${name}(): sharded pub/sub needs Redis 7 and node-redis 4.6+ or ioredis 5`,
    );
  }
  return method;
}

/** ioredis: one event listener per client and kind, dispatching to every subscriber's listeners. */
interface Dispatch {
  readonly listeners: Map<string, Set<MessageListener>>;
}
const dispatchers = new WeakMap<IoRedisLike, Map<Kind, Dispatch>>();

function dispatchOf(client: IoRedisLike, kind: Kind): Dispatch {
  let kinds = dispatchers.get(client);
  if (!kinds) {
    kinds = new Map();
    dispatchers.set(client, kinds);
  }
  let d = kinds.get(kind);
  if (d) return d;
  const dispatch: Dispatch = { listeners: new Map() };
  const deliver = (key: string, channel: Buffer, message: Buffer) => {
    const set = dispatch.listeners.get(key);
    if (!set) return;
    const name = channel.toString();
    for (const listener of [...set]) listener(message, name);
  };
  if (kind === "pattern") {
    client.on("pmessageBuffer", ((pattern: Buffer, channel: Buffer, message: Buffer) =>
      deliver(pattern.toString(), channel, message)) as Handler);
  } else {
    const event = kind === "shard" ? "smessageBuffer" : "messageBuffer";
    client.on(event, ((channel: Buffer, message: Buffer) =>
      deliver(channel.toString(), channel, message)) as Handler);
  }
  d = dispatch;
  kinds.set(kind, d);
  return d;
}

function ioRedisBus(client: IoRedisLike): Bus {
  const io = client as IoRedisLike & {
    spublish?: (channel: string, message: string | Buffer) => Promise<unknown>;
    ssubscribe?: (...channels: string[]) => Promise<unknown>;
    sunsubscribe?: (...channels: string[]) => Promise<unknown>;
    isCluster?: boolean;
    nodes?: (role: "master") => IoRedisLike[];
  };
  const sub = (kind: Kind, name: string) =>
    kind === "pattern"
      ? client.psubscribe(name)
      : kind === "shard"
        ? shardMethod(io.ssubscribe, "ssubscribe").call(client, name)
        : client.subscribe(name);
  const unsub = (kind: Kind, name: string) =>
    kind === "pattern"
      ? client.punsubscribe(name)
      : kind === "shard"
        ? shardMethod(io.sunsubscribe, "sunsubscribe").call(client, name)
        : client.unsubscribe(name);
  return {
    async publish(kind, channel, payload) {
      if (kind === "shard")
        await shardMethod(io.spublish, "spublish").call(client, channel, payload);
      else await client.publish(channel, payload);
    },
    async subscribe(kind, name, listener) {
      const { listeners } = dispatchOf(client, kind);
      let set = listeners.get(name);
      if (!set) {
        set = new Set();
        listeners.set(name, set);
      }
      const first = set.size === 0;
      set.add(listener);
      if (first) await sub(kind, name);
    },
    async unsubscribe(kind, name, listener) {
      const { listeners } = dispatchOf(client, kind);
      const set = listeners.get(name);
      if (!set?.delete(listener) || set.size > 0) return;
      listeners.delete(name);
      await unsub(kind, name);
    },
    async numsub(kind, channel) {
      if (io.isCluster && io.nodes) {
        const counts = await Promise.all(
          io
            .nodes("master")
            .map(async (node) => countOf(await node.call("PUBSUB", command(kind), channel))),
        );
        return counts.reduce((a, b) => a + b, 0);
      }
      return countOf(await client.call("PUBSUB", command(kind), channel));
    },
    watch: (onError, onReady) => watch(client, onError, onReady),
  };
}
