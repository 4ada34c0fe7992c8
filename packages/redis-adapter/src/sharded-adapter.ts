/**
 * The Redis 7 sharded pub/sub adapter (`SPUBLISH`/`SSUBSCRIBE`), speaking the wire format of
 * `@socket.io/redis-adapter` 8's `createShardedAdapter`: the ClusterAdapter messages as they
 * are, JSON, or MessagePack when they carry binary; on `<prefix>#<nsp>#`, on
 * `<prefix>#<nsp>#<room>#` for a broadcast without acks to one room (per the subscription
 * mode), responses on `<prefix>#<nsp>#<uid>#`. The number of servers is
 * `PUBSUB SHARDNUMSUB` of the namespace channel.
 */

import { isBinary } from "@switchboard/protocol";
import {
  type AdapterNamespace,
  ClusterAdapter,
  type ClusterMessage,
  type ClusterResponse,
  checkClusterMessage,
  isClusterResponse,
  ClusterMessageType as M,
  type Room,
} from "@switchboard/server";
import {
  type Bus,
  busOf,
  countWithin,
  type MessageListener,
  type RedisClient,
  watchClients,
} from "./clients.js";
import { msgpackParser, type ResolvedShardedOptions } from "./options.js";

const JSON_START = 0x7b;

/** Socket.IO's test for "this room is a socket's own room": its ids are 20 characters. */
function looksLikeASocketId(room: Room): boolean {
  return room.length === 20;
}

function hasBinary(value: unknown, depth = 0): boolean {
  if (isBinary(value)) return true;
  if (typeof value !== "object" || value === null || depth > 100) return false;
  if (Array.isArray(value)) return value.some((v) => hasBinary(v, depth + 1));
  return Object.values(value).some((v) => hasBinary(v, depth + 1));
}

/** Types whose payloads may carry binary (the others are always JSON). */
const mayContainBinary: ReadonlySet<number> = new Set([
  M.BROADCAST,
  M.BROADCAST_ACK,
  M.FETCH_SOCKETS_RESPONSE,
  M.SERVER_SIDE_EMIT,
  M.SERVER_SIDE_EMIT_RESPONSE,
]);

function encode(message: ClusterMessage | ClusterResponse): string | Buffer {
  if (mayContainBinary.has(message.type) && "data" in message && hasBinary(message.data)) {
    const bytes = msgpackParser.encode(message) as Uint8Array;
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  return JSON.stringify(message);
}

/** A sharded Redis pub/sub adapter for one namespace. */
export class ShardedRedisAdapter extends ClusterAdapter {
  readonly #pub: Bus;
  readonly #sub: Bus;
  readonly #opts: ResolvedShardedOptions;
  readonly #channel: string;
  readonly #responseChannel: string;
  readonly #listener: MessageListener = (message, channel) => this.#in(message, channel);
  readonly #onCreate = (room: Room) => {
    if (this.#ownChannel(room)) this.#subscribe(this.#roomChannel(room));
  };
  readonly #onDelete = (room: Room) => {
    if (this.#ownChannel(room)) this.#unsubscribe(this.#roomChannel(room));
  };
  #unwatch: () => void = () => {};

  constructor(
    nsp: AdapterNamespace,
    pubClient: RedisClient,
    subClient: RedisClient,
    opts: ResolvedShardedOptions,
  ) {
    super(nsp, { requestsTimeout: opts.requestsTimeout });
    this.#pub = busOf(pubClient);
    this.#sub = busOf(subClient);
    this.#opts = opts;
    this.#channel = `${opts.channelPrefix}#${nsp.name}#`;
    this.#responseChannel = `${this.#channel}${this.uid}#`;
  }

  override init(): void {
    const health = {
      busError: (e: Error) => this.busError(e),
      busRecovered: () => this.busRecovered(),
    };
    this.#unwatch = watchClients([this.#pub, this.#sub], health);
    this.#subscribe(this.#channel);
    this.#subscribe(this.#responseChannel);
    if (this.#opts.subscriptionMode !== "static") {
      this.on("create-room", this.#onCreate);
      this.on("delete-room", this.#onDelete);
    }
    super.init();
  }

  override close(): void {
    super.close();
    this.#unwatch();
    this.off("create-room", this.#onCreate);
    this.off("delete-room", this.#onDelete);
    this.#unsubscribe(this.#channel);
    this.#unsubscribe(this.#responseChannel);
    if (this.#opts.subscriptionMode !== "static") {
      for (const room of this.rooms.keys()) {
        if (this.#ownChannel(room)) this.#unsubscribe(this.#roomChannel(room));
      }
    }
  }

  /** `PUBSUB SHARDNUMSUB` of the namespace channel; fails after `requestsTimeout`. */
  override serverCount(): Promise<number> {
    return countWithin(this.#pub.numsub("shard", this.#channel), this.requestsTimeout);
  }

  protected override async responders(): Promise<number> {
    return (await this.#pub.numsub("shard", this.#channel)) - 1;
  }

  protected override doPublish(message: ClusterMessage): Promise<void> {
    // Heartbeats and close notices are not sent: SHARDNUMSUB counts the servers, as in Socket.IO.
    if (
      message.type === M.INITIAL_HEARTBEAT ||
      message.type === M.HEARTBEAT ||
      message.type === M.ADAPTER_CLOSE
    ) {
      return Promise.resolve();
    }
    return this.#pub.publish("shard", this.#channelOf(message), encode(message));
  }

  protected override doPublishResponse(
    requesterUid: string,
    response: ClusterResponse,
  ): Promise<void> {
    return this.#pub.publish("shard", `${this.#channel}${requesterUid}#`, encode(response));
  }

  /**
   * A broadcast without acks to one room goes on that room's channel when the mode gives rooms
   * their own channels; a broadcast with acks never does (every server must answer its count).
   */
  #channelOf(message: ClusterMessage): string {
    if (message.type !== M.BROADCAST || message.data.requestId !== undefined) return this.#channel;
    const rooms = message.data.opts.rooms;
    const room = rooms.length === 1 ? rooms[0] : undefined;
    if (room === undefined) return this.#channel;
    const mode = this.#opts.subscriptionMode;
    const own = (mode === "dynamic" && !looksLikeASocketId(room)) || mode === "dynamic-private";
    return own ? this.#roomChannel(room) : this.#channel;
  }

  #roomChannel(room: Room): string {
    return `${this.#channel}${room}#`;
  }

  /** Whether this server subscribes a room's own channel while the room exists here. */
  #ownChannel(room: Room): boolean {
    const mode = this.#opts.subscriptionMode;
    return (mode === "dynamic" && !this.sids.has(room)) || mode === "dynamic-private";
  }

  #subscribe(channel: string): void {
    this.#sub.subscribe("shard", channel, this.#listener).catch((err: Error) => this.busError(err));
  }

  #unsubscribe(channel: string): void {
    this.#sub.unsubscribe("shard", channel, this.#listener).catch(() => {});
  }

  #in(raw: Buffer, channel: string): void {
    let decoded: unknown;
    try {
      decoded = raw[0] === JSON_START ? JSON.parse(raw.toString()) : msgpackParser.decode(raw);
    } catch {
      return;
    }
    const message = checkClusterMessage(decoded);
    if (!message) return;
    if (channel === this.#responseChannel && isClusterResponse(message)) this.onResponse(message);
    else this.onMessage(message);
  }
}
