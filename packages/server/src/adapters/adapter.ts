/**
 * The adapter interface: everything room-related that `Namespace`, `Socket` and
 * `BroadcastOperator` ask for goes through it. The in-memory adapter is the default; a cluster
 * adapter (Redis pub/sub, ...) implements the same interface, forwards to other servers what it
 * must, and reaches local sockets only through {@link AdapterNamespace} and {@link AdapterSocket}.
 */
import type { SocketCodecLimits, SocketPacket } from "@switchboard/protocol";
import type { Handshake } from "../handshake.js";
import type { EncodedFrames } from "../parser.js";

/** A socket id. */
export type SocketId = string;
/** A private session id, known only to the socket's client (connection state recovery). */
export type PrivateSessionId = string;
/** A room name. */
export type Room = string;

/** Modifiers of one broadcast. */
export interface BroadcastFlags {
  /** Drop the packet for a client whose transport cannot take it now. */
  volatile?: boolean;
  /** Ask the transport to compress. @default true */
  compress?: boolean;
  /** Only this server's sockets (cluster adapters skip forwarding). */
  local?: boolean;
  /** Ack timeout in ms (broadcasts with acks). */
  timeout?: number;
}

/** Who a broadcast reaches: sockets in any of `rooms` (all when empty), minus `except`. */
export interface BroadcastOptions {
  rooms: ReadonlySet<Room>;
  except?: ReadonlySet<Room> | undefined;
  flags?: BroadcastFlags | undefined;
}

/** How frames are written to one connection. */
export interface WriteOptions {
  volatile: boolean;
  compress: boolean;
  /** The packet ends its write: what follows leaves in a later one (a CONNECT answer). */
  separate?: boolean;
}

/** What an adapter may do with a local socket. */
export interface AdapterSocket {
  readonly id: SocketId;
  readonly handshake: Handshake;
  readonly data: unknown;
  /** Writes frames encoded once for every recipient. */
  writeEncoded(frames: EncodedFrames, options: WriteOptions): void;
  /** Tells the socket's `onAnyOutgoing` listeners about an event it is sent. */
  notifyOutgoing(args: readonly unknown[]): void;
  /**
   * Expects an ACK with this id (broadcasts with acks); with `timeout`, forgets it after that
   * many ms (the broadcast reports the timeout itself).
   */
  registerAck(id: number, ack: (...args: unknown[]) => void, timeout?: number): void;
  join(rooms: Room | readonly Room[]): unknown;
  leave(room: Room): unknown;
  disconnect(close?: boolean): unknown;
}

/** What an adapter may see of its namespace. */
export interface AdapterNamespace {
  readonly name: string;
  readonly sockets: ReadonlyMap<SocketId, AdapterSocket>;
  /** Recovery settings, or false when recovery is off. */
  readonly connectionStateRecovery:
    | false
    | Readonly<{ maxDisconnectionDuration: number; skipMiddlewares: boolean }>;
  readonly codecLimits: SocketCodecLimits;
  /** Encodes a packet once for all its recipients, with the server's codec or custom parser. */
  encode(packet: SocketPacket): EncodedFrames;
  /** A fresh ack id from the namespace's counter (shared with its sockets). */
  nextAckId(): number;
  /** Delivers a `serverSideEmit` received from another server to local listeners. */
  receiveServerSideEmit(args: unknown[], ack?: (...responses: unknown[]) => void): void;
}

/** A socket as `fetchSockets` describes it, wherever it lives. */
export interface SocketDetails {
  id: SocketId;
  handshake: Handshake;
  rooms: Set<Room>;
  data: unknown;
}

/** What is kept of a socket that disconnected for a recoverable reason. */
export interface SocketSnapshot {
  /** The socket's id, given back to it when it recovers. */
  sid: SocketId;
  /** The private id the client presents (`auth.pid`) to recover; never sent to other clients. */
  pid: PrivateSessionId;
  /** The rooms it was in (its own room included). */
  rooms: Room[];
  /** Its `socket.data`. */
  data: unknown;
}

/** A snapshot restored on reconnection, with the event packets (data arrays) the socket missed. */
export interface RecoveredSnapshot extends SocketSnapshot {
  /** The event packets broadcast to its rooms while it was away, oldest first. */
  missedPackets: unknown[][];
}

/**
 * Events an adapter emits, as Socket.IO's adapters do: a room created (first member) or deleted
 * (last member gone), a socket that joined or left a room. A cluster adapter also emits "error"
 * when its bus fails (the server re-emits it as `io.on("error")`).
 */
export interface AdapterEvents {
  "create-room": (room: Room) => void;
  "delete-room": (room: Room) => void;
  "join-room": (room: Room, id: SocketId) => void;
  "leave-room": (room: Room, id: SocketId) => void;
  error: (err: Error) => void;
}

/** The adapter's typed listener methods (any EventEmitter provides them). */
export interface AdapterEmitter {
  on<Ev extends keyof AdapterEvents>(ev: Ev, listener: AdapterEvents[Ev]): this;
  once<Ev extends keyof AdapterEvents>(ev: Ev, listener: AdapterEvents[Ev]): this;
  off<Ev extends keyof AdapterEvents>(ev: Ev, listener: AdapterEvents[Ev]): this;
  listenerCount(ev: keyof AdapterEvents): number;
}

/** The adapter interface. Methods may be async where a cluster needs a round trip. */
export interface Adapter extends AdapterEmitter {
  readonly nsp: AdapterNamespace;
  /** Local view: room → socket ids. */
  readonly rooms: ReadonlyMap<Room, ReadonlySet<SocketId>>;
  /** Local view: socket id → rooms. */
  readonly sids: ReadonlyMap<SocketId, ReadonlySet<Room>>;
  init(): void | Promise<void>;
  close(): void | Promise<void>;
  /** Number of servers in the cluster (1 for the in-memory adapter). */
  serverCount(): Promise<number>;
  addAll(id: SocketId, rooms: ReadonlySet<Room>): void | Promise<void>;
  del(id: SocketId, room: Room): void | Promise<void>;
  delAll(id: SocketId): void;
  socketRooms(id: SocketId): ReadonlySet<Room> | undefined;
  sockets(rooms: ReadonlySet<Room>): Promise<Set<SocketId>>;
  /** Encodes `packet` once and writes it to every matching socket. */
  broadcast(packet: SocketPacket, opts: BroadcastOptions): void;
  /**
   * Like broadcast, with an ack id; calls `clientCountCallback` once with the number of
   * expected responses (a cluster adapter sums every server's count first), then `ack` once
   * per response.
   */
  broadcastWithAck(
    packet: SocketPacket,
    opts: BroadcastOptions,
    clientCountCallback: (count: number) => void,
    ack: (...args: unknown[]) => void,
  ): void;
  fetchSockets(opts: BroadcastOptions): Promise<SocketDetails[]>;
  addSockets(opts: BroadcastOptions, rooms: Room[]): void;
  delSockets(opts: BroadcastOptions, rooms: Room[]): void;
  disconnectSockets(opts: BroadcastOptions, close: boolean): void;
  /** Sends an event to the other servers' namespaces of the same name. */
  serverSideEmit(args: unknown[], ack?: (err: Error | null, responses: unknown[]) => void): void;
  persistSession(session: SocketSnapshot): void;
  /**
   * Optional: a socket with a private session id has connected (fresh or recovered). An adapter
   * that keeps sessions while they are connected (so that a client whose node died can recover
   * on another) starts keeping this one; it follows its rooms through `addAll`/`del`, its end
   * through `persistSession` (recoverable) or `delAll` (not recoverable).
   */
  trackSession?(sid: SocketId, pid: PrivateSessionId): void;
  /** Optional: the `data` of a tracked socket was replaced. */
  sessionDataChanged?(sid: SocketId): void;
  restoreSession(
    pid: PrivateSessionId,
    offset: string | undefined,
  ): RecoveredSnapshot | null | Promise<RecoveredSnapshot | null>;
}

/** An adapter class: one instance per namespace. */
export type AdapterConstructor = new (nsp: AdapterNamespace) => Adapter;
