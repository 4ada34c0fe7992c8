/**
 * @switchboard/redis-adapter: scale a Switchboard server out over Redis, wire-compatible with
 * `@socket.io/redis-adapter` 8 (Switchboard and Socket.IO servers can share one Redis, and
 * `@socket.io/redis-emitter` reaches Switchboard's clients).
 *
 *     io.adapter(createAdapter(pubClient, subClient));
 */
import type { AdapterConstructor, AdapterNamespace } from "@switchboard/server";
import type { RedisClient } from "./clients.js";
import {
  type RedisAdapterOptions,
  resolveRedisOptions,
  resolveShardedOptions,
  type ShardedRedisAdapterOptions,
} from "./options.js";
import { RedisAdapter } from "./redis-adapter.js";
import { ShardedRedisAdapter } from "./sharded-adapter.js";

/**
 * An adapter class on Redis pub/sub, for `io.adapter(...)` or the `adapter` option. `subClient`
 * is a separate connection in subscriber mode (e.g. `pubClient.duplicate()`), one per server:
 * the number of servers is the number of subscriber connections.
 */
export function createAdapter(
  pubClient: RedisClient,
  subClient: RedisClient,
  opts?: RedisAdapterOptions,
): AdapterConstructor {
  const resolved = resolveRedisOptions(opts);
  return class extends RedisAdapter {
    constructor(nsp: AdapterNamespace) {
      super(nsp, pubClient, subClient, resolved);
    }
  };
}

/**
 * An adapter class on Redis 7 sharded pub/sub (`SPUBLISH`/`SSUBSCRIBE`), which also works with
 * Redis Cluster without every node carrying every message.
 */
export function createShardedAdapter(
  pubClient: RedisClient,
  subClient: RedisClient,
  opts?: ShardedRedisAdapterOptions,
): AdapterConstructor {
  const resolved = resolveShardedOptions(opts);
  return class extends ShardedRedisAdapter {
    constructor(nsp: AdapterNamespace) {
      super(nsp, pubClient, subClient, resolved);
    }
  };
}

export {
  type Bus,
  busOf,
  countWithin,
  type IoRedisLike,
  type Kind,
  type MessageListener,
  type NodeRedisLike,
  type RedisClient,
  watchClients,
} from "./clients.js";
export {
  defaultRedisAdapterOptions,
  msgpackParser,
  type Parser,
  type RedisAdapterOptions,
  type ShardedRedisAdapterOptions,
  type SubscriptionMode,
} from "./options.js";
export { RedisAdapter, RequestType } from "./redis-adapter.js";
export { ShardedRedisAdapter } from "./sharded-adapter.js";
