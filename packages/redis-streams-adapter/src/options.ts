/**
 * Options of the Redis Streams adapter: Socket.IO's names and defaults
 * (`@socket.io/redis-streams-adapter` 0.3), resolved once over frozen defaults.
 */
import { BadOptionError } from "@switchboard/server";

/** Options of {@link createAdapter}. */
export interface RedisStreamsAdapterOptions {
  /**
   * The Redis stream that carries broadcasts (the prefix of the stream names when `streamCount`
   * is more than 1).
   * @default "socket.io"
   */
  streamName?: string;
  /**
   * Number of streams; each namespace is bound to one of them (by a hash of its name), so the
   * order of a namespace's packets is kept. Useless with a single namespace.
   * @default 1
   */
  streamCount?: number;
  /**
   * Prefix of the pub/sub channels of requests and responses that need no history
   * (`fetchSockets`, `serverSideEmit`, broadcasts with acks, heartbeats).
   * @default "socket.io"
   */
  channelPrefix?: string;
  /**
   * Use Redis 7 sharded pub/sub (`SPUBLISH`/`SSUBSCRIBE`) for those channels.
   * @default false
   */
  useShardedPubSub?: boolean;
  /**
   * Approximate maximum number of entries kept in the stream (`XADD ... MAXLEN ~`). A client
   * can recover only while the last packet it received is still in the stream: see the README
   * for sizing it.
   * @default 10000
   */
  maxLen?: number;
  /**
   * Entries fetched per `XREAD`.
   * @default 100
   */
  readCount?: number;
  /**
   * Milliseconds one blocking `XREAD` waits before it is sent again.
   * @default 5000
   */
  blockTimeInMs?: number;
  /**
   * Prefix of the key of each session record (`<prefix><private session id>`).
   * @default "sio:session:"
   */
  sessionKeyPrefix?: string;
  /**
   * Skip looking for binary data in messages: every message is JSON in the stream.
   * @default false
   */
  onlyPlaintext?: boolean;
  /**
   * Bytes (the size of their stream entries) of the recent broadcasts each namespace keeps in
   * memory, as its reader delivered them, to replay a restored session's missed packets from
   * memory rather than from the stream. An offset older than what is kept is replayed from the
   * stream, as with 0 (nothing kept). Used only with connection state recovery on.
   * @default 4194304 (4 MiB)
   */
  replayBufferBytes?: number;
  /**
   * Milliseconds to wait for the other nodes' responses, and for Redis when a session is
   * restored (a restore that takes longer gives a fresh session).
   * @default 5000
   */
  requestsTimeout?: number;
  /**
   * Milliseconds between heartbeats of this node; also how often the records of connected
   * sessions are refreshed (at least twice per `maxDisconnectionDuration`).
   * @default 5000
   */
  heartbeatInterval?: number;
  /**
   * Milliseconds of silence after which another node is considered gone.
   * @default 10000
   */
  heartbeatTimeout?: number;
}

/** Defaults of {@link RedisStreamsAdapterOptions}, frozen. */
export const defaultRedisStreamsAdapterOptions = Object.freeze({
  streamName: "socket.io",
  streamCount: 1,
  channelPrefix: "socket.io",
  useShardedPubSub: false,
  maxLen: 10_000,
  readCount: 100,
  blockTimeInMs: 5000,
  sessionKeyPrefix: "sio:session:",
  onlyPlaintext: false,
  replayBufferBytes: 4 * 1024 * 1024,
  requestsTimeout: 5000,
  heartbeatInterval: 5000,
  heartbeatTimeout: 10_000,
});

/** Resolved options: every field set. */
export type ResolvedStreamsOptions = Readonly<Required<RedisStreamsAdapterOptions>>;

function text(name: string, value: unknown): string {
  if (typeof value !== "string" || value === "") {
    throw new BadOptionError(`${name} must be a non-empty string, got ${JSON.stringify(value)}`);
  }
  return value;
}

function integer(name: string, value: unknown, min: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new BadOptionError(`${name} must be an integer >= ${min}, got ${String(value)}`);
  }
  return value;
}

/** Merges `opts` over the defaults; throws a BadOptionError on an impossible value. */
export function resolveStreamsOptions(
  opts: RedisStreamsAdapterOptions = {},
): ResolvedStreamsOptions {
  const d = defaultRedisStreamsAdapterOptions;
  return Object.freeze({
    streamName: text("streamName", opts.streamName ?? d.streamName),
    streamCount: integer("streamCount", opts.streamCount ?? d.streamCount, 1),
    channelPrefix: text("channelPrefix", opts.channelPrefix ?? d.channelPrefix),
    useShardedPubSub: opts.useShardedPubSub ?? d.useShardedPubSub,
    maxLen: integer("maxLen", opts.maxLen ?? d.maxLen, 1),
    readCount: integer("readCount", opts.readCount ?? d.readCount, 1),
    blockTimeInMs: integer("blockTimeInMs", opts.blockTimeInMs ?? d.blockTimeInMs, 1),
    sessionKeyPrefix: text("sessionKeyPrefix", opts.sessionKeyPrefix ?? d.sessionKeyPrefix),
    onlyPlaintext: opts.onlyPlaintext ?? d.onlyPlaintext,
    replayBufferBytes: integer(
      "replayBufferBytes",
      opts.replayBufferBytes ?? d.replayBufferBytes,
      0,
    ),
    requestsTimeout: integer("requestsTimeout", opts.requestsTimeout ?? d.requestsTimeout, 1),
    heartbeatInterval: integer(
      "heartbeatInterval",
      opts.heartbeatInterval ?? d.heartbeatInterval,
      0,
    ),
    heartbeatTimeout: integer("heartbeatTimeout", opts.heartbeatTimeout ?? d.heartbeatTimeout, 1),
  });
}

/**
 * The stream of namespace `nsp`: `streamName`, or with several streams `streamName-<i>` where
 * `i` is the remainder (sign kept) of the namespace name's 31-based 32-bit string hash, as
 * Socket.IO's adapter routes it, so both kinds of node agree.
 */
export function streamOf(
  nsp: string,
  opts: Pick<ResolvedStreamsOptions, "streamName" | "streamCount">,
): string {
  if (opts.streamCount === 1) return opts.streamName;
  let hash = 0;
  for (let i = 0; i < nsp.length; i++) hash = (Math.imul(hash, 31) + nsp.charCodeAt(i)) | 0;
  return `${opts.streamName}-${hash % opts.streamCount}`;
}
