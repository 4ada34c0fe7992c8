/**
 * Options of the two adapters, with the names and defaults of `@socket.io/redis-adapter` 8, and
 * the default parser: MessagePack whose bytes are those of the `notepack.io` codec that
 * Socket.IO's adapter and emitter use (undefined map values are left out, as notepack does).
 */
import { decode, encode } from "@msgpack/msgpack";
import { BadOptionError } from "@switchboard/server";

/** Encodes and decodes the binary-capable messages (broadcasts, broadcast acks). */
export interface Parser {
  encode(value: unknown): string | Uint8Array;
  decode(payload: Buffer): unknown;
}

/** MessagePack, byte-compatible with notepack.io (Socket.IO's default). */
export const msgpackParser: Parser = Object.freeze({
  encode: (value: unknown) => encode(value, { ignoreUndefined: true }),
  decode: (payload: Buffer) => decode(payload),
});

/** Options of {@link createAdapter} (Redis pub/sub). */
export interface RedisAdapterOptions {
  /**
   * Prefix of every channel: `<key>#<nsp>#` for broadcasts (`<key>#<nsp>#<room>#` for one
   * room), `<key>-request#<nsp>#` and `<key>-response#<nsp>#` for requests and responses.
   * @default "socket.io"
   */
  key?: string;
  /**
   * Milliseconds to wait for the other servers' responses (fetchSockets, serverSideEmit with
   * acks, client counts of a broadcast with acks) before failing with `SB_ERR_CLUSTER_TIMEOUT`.
   * @default 5000
   */
  requestsTimeout?: number;
  /**
   * Send each response on the requesting server's own channel
   * (`<key>-response#<nsp>#<uid>#`) instead of the shared response channel.
   * @default false
   */
  publishOnSpecificResponseChannel?: boolean;
  /**
   * Codec of the broadcast and broadcast-ack messages; every server of the cluster must use the
   * same one.
   * @default MessagePack (notepack.io-compatible bytes)
   */
  parser?: Parser;
}

/** How a sharded adapter subscribes (Socket.IO's names). */
export type SubscriptionMode = "static" | "dynamic" | "dynamic-private";

/** Options of {@link createShardedAdapter} (Redis 7 sharded pub/sub). */
export interface ShardedRedisAdapterOptions {
  /**
   * Prefix of every channel: `<prefix>#<nsp>#`, `<prefix>#<nsp>#<room>#`, and
   * `<prefix>#<nsp>#<uid>#` for responses.
   * @default "socket.io"
   */
  channelPrefix?: string;
  /**
   * "static": one channel per namespace. "dynamic": also one channel per public room (a room
   * that is not a socket id), subscribed while the room exists on this server, so a server
   * receives only the broadcasts to its rooms. "dynamic-private": a channel per room, socket
   * ids included.
   * @default "dynamic"
   */
  subscriptionMode?: SubscriptionMode;
  /**
   * Milliseconds to wait for the other servers' responses.
   * @default 5000
   */
  requestsTimeout?: number;
}

/** Defaults, frozen. */
export const defaultRedisAdapterOptions = Object.freeze({
  key: "socket.io",
  requestsTimeout: 5000,
  publishOnSpecificResponseChannel: false,
  channelPrefix: "socket.io",
  subscriptionMode: "dynamic" as SubscriptionMode,
});

export interface ResolvedRedisOptions {
  readonly key: string;
  readonly requestsTimeout: number;
  readonly publishOnSpecificResponseChannel: boolean;
  readonly parser: Parser;
}

export interface ResolvedShardedOptions {
  readonly channelPrefix: string;
  readonly subscriptionMode: SubscriptionMode;
  readonly requestsTimeout: number;
}

function timeout(value: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new BadOptionError(`requestsTimeout must be a finite number > 0, got ${String(value)}`);
  }
  return value;
}

function prefix(name: string, value: unknown): string {
  if (typeof value !== "string" || value === "") {
    throw new BadOptionError(`${name} must be a non-empty string, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function resolveRedisOptions(opts: RedisAdapterOptions = {}): ResolvedRedisOptions {
  const d = defaultRedisAdapterOptions;
  const parser = opts.parser ?? msgpackParser;
  if (typeof parser.encode !== "function" || typeof parser.decode !== "function") {
    throw new BadOptionError("parser must have encode() and decode()");
  }
  return Object.freeze({
    key: prefix("key", opts.key ?? d.key),
    requestsTimeout: timeout(opts.requestsTimeout ?? d.requestsTimeout),
    publishOnSpecificResponseChannel:
      opts.publishOnSpecificResponseChannel ?? d.publishOnSpecificResponseChannel,
    parser,
  });
}

export function resolveShardedOptions(
  opts: ShardedRedisAdapterOptions = {},
): ResolvedShardedOptions {
  const d = defaultRedisAdapterOptions;
  const mode = opts.subscriptionMode ?? d.subscriptionMode;
  if (mode !== "static" && mode !== "dynamic" && mode !== "dynamic-private") {
    throw new BadOptionError(
      `subscriptionMode must be "static", "dynamic" or "dynamic-private", got ${JSON.stringify(mode)}`,
    );
  }
  return Object.freeze({
    channelPrefix: prefix("channelPrefix", opts.channelPrefix ?? d.channelPrefix),
    subscriptionMode: mode,
    requestsTimeout: timeout(opts.requestsTimeout ?? d.requestsTimeout),
  });
}

/** A Buffer view of an encoded payload (no copy), or the string as is. */
export function payload(encoded: string | Uint8Array): string | Buffer {
  return typeof encoded === "string"
    ? encoded
    : Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
}
