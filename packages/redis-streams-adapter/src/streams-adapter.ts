/**
 * The Redis Streams adapter for one namespace. Broadcasts are appended to the namespace's
 * stream and delivered by every node, this one included, as its reader reads them: one order
 * for every node, and each delivered packet tagged with its entry id (the offset a client
 * echoes back to recover). What needs no history goes over pub/sub. With connection state
 * recovery on, the sessions of connected sockets are kept in Redis (see sessions.ts), so that
 * any node can restore one and replay, from the stream, what its client missed.
 */
import { type SocketPacket, SocketPacketType } from "@switchboard/protocol";
import { type Bus, countWithin, type MessageListener } from "@switchboard/redis-adapter";
import {
  type AdapterNamespace,
  type BroadcastOptions,
  ClusterAdapter,
  type ClusterMessage,
  ClusterPublishError,
  type ClusterResponse,
  ClusterTimeoutError,
  decodeOptions,
  type EncodedBroadcastOptions,
  encodeOptions,
  ClusterMessageType as M,
  type PrivateSessionId,
  type RecoveredSnapshot,
  type Room,
  type SocketId,
  type SocketSnapshot,
  tracer,
} from "@switchboard/server";
import {
  compareIds,
  decodeBus,
  decodeEntry,
  decodeRecord,
  ENTRY_ID,
  type Entry,
  encodeBus,
  encodeEntry,
  entriesOf,
} from "./codec.js";
import { within } from "./commands.js";
import type { Hub } from "./hub.js";
import { type ResolvedStreamsOptions, streamOf } from "./options.js";
import type { StreamReader } from "./reader.js";
import { RecentBroadcasts } from "./recent.js";
import { SessionRecords } from "./sessions.js";

const trace = tracer("redis-streams");

/** Entries read per XRANGE while replaying. */
const REPLAY_CHUNK = 1000;
/** XRANGE calls one replay may take to catch up with the reader before giving up. */
const REPLAY_ROUNDS = 1000;

/** Messages with no history: requests over pub/sub, as Socket.IO's adapter sends them. */
function overPubSub(message: ClusterMessage): boolean {
  switch (message.type) {
    case M.BROADCAST:
      return message.data.requestId !== undefined;
    case M.FETCH_SOCKETS:
    case M.SERVER_SIDE_EMIT:
    case M.INITIAL_HEARTBEAT:
    case M.HEARTBEAT:
    case M.ADAPTER_CLOSE:
      return true;
    default:
      return false;
  }
}

/** Whether a broadcast packet gets an offset and is replayed (events without ack, not volatile). */
function recoverable(packet: SocketPacket, flags: BroadcastOptions["flags"]): boolean {
  return (
    packet.type === SocketPacketType.EVENT &&
    packet.id === undefined &&
    flags?.volatile !== true &&
    Array.isArray(packet.data)
  );
}

/** Whether a session in `rooms` would have received a broadcast to `opts`. */
function reaches(rooms: readonly Room[], opts: EncodedBroadcastOptions): boolean {
  const included = opts.rooms.length === 0 || rooms.some((room) => opts.rooms.includes(room));
  return included && !rooms.some((room) => opts.except.includes(room));
}

/** A Redis Streams adapter for one namespace. */
export class RedisStreamsAdapter extends ClusterAdapter {
  readonly #hub: Hub;
  readonly #opts: ResolvedStreamsOptions;
  readonly #reader: StreamReader;
  readonly #publicChannel: string;
  readonly #privateChannel: string;
  readonly #sessions: SessionRecords | undefined;
  /** Recent broadcasts, to replay from memory (with recovery on). */
  readonly #recent: RecentBroadcasts | undefined;
  readonly #onBus: MessageListener = (payload) => {
    const message = decodeBus(payload);
    if (message) this.onMessage(message);
  };
  #sub: Bus | undefined;
  #unwatch: () => void = () => {};

  constructor(nsp: AdapterNamespace, hub: Hub, opts: ResolvedStreamsOptions) {
    super(nsp, opts);
    this.#hub = hub;
    this.#opts = opts;
    this.#reader = hub.reader(streamOf(nsp.name, opts));
    this.#publicChannel = `${opts.channelPrefix}#${nsp.name}#`;
    this.#privateChannel = `${this.#publicChannel}${this.uid}#`;
    const recovery = nsp.connectionStateRecovery;
    if (recovery) {
      const max = recovery.maxDisconnectionDuration;
      const every = Math.max(10, Math.min(opts.heartbeatInterval || max, Math.floor(max / 2)));
      this.#sessions = new SessionRecords(hub.send, opts.sessionKeyPrefix, max, every, {
        uid: this.uid,
        rooms: (sid) => [...(this.sids.get(sid) ?? [])],
        data: (sid) => this.nsp.sockets.get(sid)?.data,
      });
      this.#recent = new RecentBroadcasts(opts.replayBufferBytes);
    } else {
      this.#recent = undefined;
    }
  }

  /** Sessions kept in Redis while connected (inspection and leak tests). */
  get trackedSessions(): number {
    return this.#sessions?.size ?? 0;
  }

  /**
   * Whether this node's connection for appends is up: broadcasts then reach the other nodes
   * (while it is down they reach this node's sockets only).
   */
  get redisConnected(): boolean {
    return !this.#hub.down;
  }

  /** Recovery data lives in Redis: the in-memory store is not used. */
  protected override keepsSessionsInProcess(): boolean {
    return false;
  }

  /** Starts reading the stream and subscribes to the namespace's channels. */
  override init(): void {
    this.#reader.route(this.nsp.name, (entry) => this.#onEntry(entry));
    const recent = this.#recent;
    if (recent) {
      // kept from where the reader is now: everything after it reaches #onEntry
      if (this.#reader.position !== "") recent.start(this.#reader.position);
      else this.#reader.ready.then(() => recent.start(this.#reader.position)).catch(() => {});
    }
    this.#unwatch = this.#hub.watch({
      busError: (err) => this.busError(err),
      busRecovered: () => this.busRecovered(),
    });
    const kind = this.#opts.useShardedPubSub ? "shard" : "channel";
    void this.#hub
      .subscriber()
      .then(async (sub) => {
        this.#sub = sub;
        await sub.subscribe(kind, this.#publicChannel, this.#onBus);
        await sub.subscribe(kind, this.#privateChannel, this.#onBus);
      })
      .catch((err: Error) => this.busError(err));
    super.init();
  }

  /** Stops reading and unsubscribes; the session records stay in Redis until they expire. */
  override close(): void {
    super.close();
    // Records stay as they are: a node that leaves (shutdown or crash) leaves its sessions to
    // be recovered elsewhere until they expire.
    this.#sessions?.close();
    this.#recent?.clear();
    this.#reader.route(this.nsp.name, undefined);
    this.#unwatch();
    const kind = this.#opts.useShardedPubSub ? "shard" : "channel";
    const sub = this.#sub;
    if (sub) {
      for (const c of [this.#publicChannel, this.#privateChannel]) {
        sub.unsubscribe(kind, c, this.#onBus).catch(() => {});
      }
    }
    this.#hub.release();
  }

  /** `PUBSUB NUMSUB` of the namespace's channel; fails after `requestsTimeout` if Redis is away. */
  override serverCount(): Promise<number> {
    return countWithin(this.#hub.pub.numsub(this.#kind, this.#publicChannel), this.requestsTimeout);
  }

  /** The other nodes: subscribers of the namespace's channel, this one aside. */
  protected override async responders(): Promise<number> {
    return (await this.#hub.pub.numsub(this.#kind, this.#publicChannel)) - 1;
  }

  get #kind(): "channel" | "shard" {
    return this.#opts.useShardedPubSub ? "shard" : "channel";
  }

  // -- out ----------------------------------------------------------------------------------

  /** Requests with no history go over pub/sub, everything else onto the stream. */
  protected override doPublish(message: ClusterMessage): Promise<void> {
    if (overPubSub(message)) {
      return this.#hub.pub.publish(this.#kind, this.#publicChannel, encodeBus(message));
    }
    return this.#append(encodeEntry(message, this.#opts.onlyPlaintext)).then(() => {});
  }

  /** Responses go to the requesting node's own channel. */
  protected override doPublishResponse(uid: string, response: ClusterResponse): Promise<void> {
    const channel = `${this.#publicChannel}${uid}#`;
    return this.#hub.pub.publish(this.#kind, channel, encodeBus(response));
  }

  /**
   * Appends to the stream; every node (this one too) delivers it when its reader reads it. With
   * Redis away it is delivered here at once, untagged (the other nodes cannot get it anyway).
   */
  override broadcast(packet: SocketPacket, opts: BroadcastOptions): void {
    if (opts.flags?.local === true) {
      super.broadcast(packet, opts);
      return;
    }
    packet.nsp = this.nsp.name;
    const fallback = () => this.#deliver(packet, opts.rooms, opts.except, opts.flags, undefined);
    if (this.#hub.down) {
      this.busError(new ClusterPublishError("a broadcast", new Error("Redis is not connected")));
      fallback();
      return;
    }
    const message: ClusterMessage = {
      uid: this.uid,
      nsp: this.nsp.name,
      type: M.BROADCAST,
      data: { packet, opts: encodeOptions(opts) },
    };
    this.#append(encodeEntry(message, this.#opts.onlyPlaintext)).then(
      () => this.busRecovered(),
      (err: unknown) => {
        this.busError(new ClusterPublishError("a broadcast", err));
        fallback();
      },
    );
  }

  #append(fields: string[]): Promise<unknown> {
    const stream = this.#reader.stream;
    return this.#hub.send([
      "XADD",
      stream,
      "MAXLEN",
      "~",
      String(this.#opts.maxLen),
      "*",
      ...fields,
    ]);
  }

  // -- in -------------------------------------------------------------------------------------

  #onEntry(entry: Entry): void {
    const message = decodeEntry(entry.fields);
    if (!message) return;
    if (message.type === M.BROADCAST && message.data.requestId === undefined) {
      const { packet, opts } = message.data;
      const decoded = decodeOptions(opts);
      const bytes = (entry.fields.data?.length ?? 0) + entry.id.length;
      const flags = opts.flags ?? undefined;
      this.#deliver(packet, decoded.rooms, decoded.except, flags, entry.id, bytes);
      return;
    }
    if (message.uid !== this.uid) this.onMessage(message);
  }

  /** Writes a broadcast to the local sockets it selects, with its offset when recoverable. */
  #deliver(
    packet: SocketPacket,
    rooms: ReadonlySet<Room>,
    except: ReadonlySet<Room> | undefined,
    flags: BroadcastOptions["flags"],
    offset: string | undefined,
    bytes = 0,
  ): void {
    if (offset !== undefined && this.nsp.connectionStateRecovery && recoverable(packet, flags)) {
      (packet.data as unknown[]).push(offset);
      this.#recent?.add(offset, [...(packet.data as unknown[])], rooms, except, bytes);
    }
    super.broadcast(packet, { rooms, except, flags: { ...flags, local: true } });
  }

  // -- sessions -------------------------------------------------------------------------------

  /** Joins locally, then rewrites the session record. */
  override addAll(id: SocketId, rooms: ReadonlySet<Room>): void {
    super.addAll(id, rooms);
    this.#sessions?.changed(id);
  }

  /** Leaves locally, then rewrites the session record. */
  override del(id: SocketId, room: Room): void {
    super.del(id, room);
    this.#sessions?.changed(id);
  }

  /** A socket gone: its record is deleted unless it was persisted as recoverable. */
  override delAll(id: SocketId): void {
    this.#sessions?.removed(id);
    super.delAll(id);
  }

  /** Starts keeping the record of a connected session in Redis. */
  trackSession(sid: SocketId, pid: PrivateSessionId): void {
    this.#sessions?.track(sid, pid);
  }

  /** Rewrites the session record with the socket's new data. */
  sessionDataChanged(sid: SocketId): void {
    this.#sessions?.changed(sid);
  }

  /** Writes the record's last state, to expire `maxDisconnectionDuration` later. */
  override persistSession(session: SocketSnapshot): void {
    this.#sessions?.persist(session, session.sid);
  }

  /**
   * Takes the session's record and replays what its rooms got after `offset`, up to what this
   * node's reader has delivered (from there on the socket gets packets live). Null (a fresh
   * session) when the record is gone, the offset is no longer in the stream, or Redis fails or
   * is slower than `requestsTimeout`.
   */
  override async restoreSession(
    pid: PrivateSessionId,
    offset: string | undefined,
  ): Promise<RecoveredSnapshot | null> {
    const sessions = this.#sessions;
    if (!sessions || offset === undefined || !ENTRY_ID.test(offset)) return null;
    try {
      return await within(
        this.#restore(sessions, pid, offset),
        this.requestsTimeout,
        () => new ClusterTimeoutError("restoreSession", 0, 1),
      );
    } catch (err) {
      trace("restore failed", { error: err });
      return null;
    }
  }

  async #restore(
    sessions: SessionRecords,
    pid: PrivateSessionId,
    offset: string,
  ): Promise<RecoveredSnapshot | null> {
    if (this.#hub.down) throw new Error("Redis is not connected");
    await this.#reader.ready;
    const raw = await sessions.take(pid);
    const record = raw === null ? undefined : decodeRecord(raw);
    if (!record || record.pid !== pid) return null;
    const stream = this.#reader.stream;
    const found = entriesOf(await this.#hub.send(["XRANGE", stream, offset, offset]));
    if (found[0]?.id !== offset) return null;
    // what the client saw must be behind the seam, or the reader would deliver it again
    await this.#reader.reached(offset);
    // from memory when it goes back that far (then synchronously up to the reader's position)
    const missedPackets =
      this.#recent?.after(offset, record.rooms) ?? (await this.#replay(record.rooms, offset));
    if (!missedPackets) return null;
    return { sid: record.sid, pid, rooms: record.rooms, data: record.data, missedPackets };
  }

  /** The packets for `rooms` after `offset` up to the reader's position, or null on a gap. */
  async #replay(rooms: readonly Room[], offset: string): Promise<unknown[][] | null> {
    const stream = this.#reader.stream;
    const missed: unknown[][] = [];
    let last = offset;
    for (let round = 0; round < REPLAY_ROUNDS; round++) {
      const target = this.#reader.position;
      if (compareIds(last, target) >= 0) return missed;
      const reply = await this.#hub.send([
        "XRANGE",
        stream,
        last,
        target,
        "COUNT",
        String(REPLAY_CHUNK),
      ]);
      const entries = entriesOf(reply);
      // inclusive range: the first entry is `last`, unless trimming took it meanwhile
      if (entries[0]?.id !== last) return null;
      for (let i = 1; i < entries.length; i++) {
        const entry = entries[i] as Entry;
        last = entry.id;
        if (entry.fields.nsp !== this.nsp.name || entry.fields.type !== String(M.BROADCAST))
          continue;
        const message = decodeEntry(entry.fields);
        if (message?.type !== M.BROADCAST || message.data.requestId !== undefined) continue;
        const { packet, opts } = message.data;
        if (recoverable(packet, opts.flags ?? undefined) && reaches(rooms, opts)) {
          missed.push([...(packet.data as unknown[]), entry.id]);
        }
      }
    }
    return null;
  }
}
