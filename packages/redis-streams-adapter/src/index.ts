/**
 * @switchboard/redis-streams-adapter: scale a Switchboard server out over a Redis stream, with
 * connection state recovery on any node (even from a node that crashed), wire-compatible with
 * `@socket.io/redis-streams-adapter` 0.3.
 *
 *     io.adapter(createAdapter(redisClient));
 */

import type { RedisClient } from "@switchboard/redis-adapter";
import type { AdapterConstructor, AdapterNamespace } from "@switchboard/server";
import { Hub } from "./hub.js";
import { type RedisStreamsAdapterOptions, resolveStreamsOptions } from "./options.js";
import { RedisStreamsAdapter } from "./streams-adapter.js";

/**
 * An adapter class on a Redis stream, for `io.adapter(...)` or the `adapter` option.
 * `redisClient` (ioredis 5 or node-redis 4/5, connected) appends and publishes; the adapter
 * opens its own connections from it (`duplicate()`) for the blocking reads and subscriptions.
 */
export function createAdapter(
  redisClient: RedisClient,
  opts?: RedisStreamsAdapterOptions,
): AdapterConstructor {
  const resolved = resolveStreamsOptions(opts);
  let hub: Hub | undefined;
  return class extends RedisStreamsAdapter {
    constructor(nsp: AdapterNamespace) {
      hub ??= new Hub(redisClient, resolved);
      super(nsp, hub, resolved);
    }
  };
}

export type { RedisClient } from "@switchboard/redis-adapter";
export {
  defaultRedisStreamsAdapterOptions,
  type RedisStreamsAdapterOptions,
} from "./options.js";
export { RedisStreamsAdapter } from "./streams-adapter.js";
