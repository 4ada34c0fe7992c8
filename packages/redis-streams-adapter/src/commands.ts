/**
 * Raw Redis commands over either client library (ioredis 5, node-redis 4/5), a dedicated
 * connection for blocking reads, and Lua scripts run by their SHA1.
 */
import { createHash } from "node:crypto";
import type { IoRedisLike, NodeRedisLike, RedisClient } from "@switchboard/redis-adapter";

/** Sends one command (name and arguments as strings); resolves with the raw RESP2 reply. */
export type Send = (args: readonly string[]) => Promise<unknown>;

type Closable = { disconnect?: () => unknown; destroy?: () => unknown; quit?: () => unknown };

function isNodeRedis(client: RedisClient): client is NodeRedisLike {
  return typeof (client as Partial<NodeRedisLike>).pSubscribe === "function";
}

/** A command sender on `client`. */
export function sendOf(client: RedisClient): Send {
  if (isNodeRedis(client)) return (args) => client.sendCommand([...args]);
  const io = client as IoRedisLike;
  return ([name, ...rest]) => io.call(name as string, ...rest);
}

/** A connection of its own for blocking reads and subscriptions, and how to close it. */
export interface Dedicated {
  readonly client: RedisClient;
  readonly send: Send;
  /** Whether the connection is up (ioredis `status`, node-redis `isReady`). */
  readonly ready: boolean;
  /** Settles once the connection is first up. */
  readonly opened: Promise<void>;
  /** Closes it, opened or not. */
  close(): void;
}

/**
 * Options of a connection whose commands fail at once when it is down, instead of waiting in
 * an offline queue or being sent again after a reconnection (a broadcast that failed is
 * delivered locally; sent again later, it would arrive twice).
 */
const FAIL_FAST = {
  ioredis: {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
  },
  nodeRedis: { disableOfflineQueue: true },
};

type Connection = RedisClient &
  Closable & {
    status?: string;
    isReady?: boolean;
    connect(): Promise<unknown>;
    once(ev: string, fn: (...args: unknown[]) => void): unknown;
  };

/** Opens a second connection like `client` (its errors are the adapter's to report). */
export function dedicated(client: RedisClient, failFast = false): Dedicated {
  const node = isNodeRedis(client);
  const overrides = failFast ? (node ? FAIL_FAST.nodeRedis : FAIL_FAST.ioredis) : undefined;
  const dup = (client as unknown as { duplicate(o?: object): Connection }).duplicate(overrides);
  dup.on("error", () => {});
  let closed = false;
  const opened = (async () => {
    if (node) {
      await dup.connect();
      return;
    }
    if (dup.status === "wait") await dup.connect();
    if (dup.status !== "ready") {
      await new Promise<void>((resolve, reject) => {
        dup.once("ready", () => resolve());
        dup.once("end", () => reject(new Error("connection ended")));
      });
    }
  })();
  opened.catch(() => {});
  return {
    client: dup,
    send: sendOf(dup),
    opened,
    get ready() {
      if (typeof dup.isReady === "boolean") return dup.isReady;
      return dup.status === "ready";
    },
    close() {
      if (closed) return;
      closed = true;
      try {
        if (node) dup.destroy?.();
        else dup.disconnect?.();
      } catch {
        // not open yet, or already closed
      }
    },
  };
}

/** A Lua script: run by SHA1, loaded with EVAL the first time a server does not know it. */
export class Script {
  readonly #source: string;
  readonly #sha: string;

  constructor(source: string) {
    this.#source = source;
    this.#sha = createHash("sha1").update(source).digest("hex");
  }

  async run(send: Send, keys: readonly string[], args: readonly string[]): Promise<unknown> {
    const tail = [String(keys.length), ...keys, ...args];
    try {
      return await send(["EVALSHA", this.#sha, ...tail]);
    } catch (err) {
      if (!String((err as Error)?.message).startsWith("NOSCRIPT")) throw err;
      return send(["EVAL", this.#source, ...tail]);
    }
  }
}

/** Fails with `error()` if `promise` has not settled within `ms`. */
export function within<T>(promise: Promise<T>, ms: number, error: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(error()), ms);
    timer.unref?.();
    promise.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}
