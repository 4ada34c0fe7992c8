/**
 * A socket: one client's membership of one namespace. It sends events (with acks, timeouts,
 * volatile and compress flags), dispatches incoming events through `socket.use` middlewares and
 * `onAny` listeners, joins and leaves rooms through the adapter, and closes with Socket.IO's
 * disconnect reasons.
 */
import { randomBytes } from "node:crypto";
import { type SocketPacket, SocketPacketType } from "@switchboard/protocol";
import type {
  AdapterSocket,
  RecoveredSnapshot,
  Room,
  SocketId,
  WriteOptions,
} from "./adapters/adapter.js";
import { BroadcastOperator } from "./broadcast-operator.js";
import type { Connection } from "./connection.js";
import { trace } from "./debug.js";
import { CONNECT_WRITE, type EmitFlags, NO_FLAGS, writeOptionsOf } from "./emit-flags.js";
import { ReservedEventError } from "./errors.js";
import { buildHandshake, type Handshake } from "./handshake.js";
import { runMiddlewares, type SocketMiddleware } from "./middleware.js";
import type { Namespace } from "./namespace.js";
import type { EncodedFrames } from "./parser.js";
import {
  type DisconnectReason,
  RECOVERABLE_DISCONNECT_REASONS,
  RESERVED_EVENTS,
} from "./reserved.js";
import type { EngineSession, HandshakeRequest } from "./session.js";
import {
  dropOldestAck,
  dropPendingAcks,
  expectAck,
  expectBroadcastAck,
  type PendingAcks,
  settleAck,
} from "./socket-acks.js";
import {
  type AckResult,
  type DecorateAcknowledgements,
  type DecorateAcknowledgementsWithMultipleResponses,
  type DefaultEventsMap,
  type DefaultSocketData,
  type EventNames,
  type EventNamesWithAck,
  type EventParams,
  type EventParamsWithoutAck,
  type EventsMap,
  StrictEventEmitter,
} from "./typed-events.js";

/** Events a socket emits to the application. */
export interface SocketReservedEvents {
  disconnect: (reason: DisconnectReason, description?: unknown) => void;
  disconnecting: (reason: DisconnectReason, description?: unknown) => void;
  error: (err: Error) => void;
  /** The connection wrote what it held after an emit returned false: emitting may go on. */
  drain: () => void;
}

/** The life of a socket: middlewares run while "connecting". */
export type SocketState = "connecting" | "connected" | "disconnecting" | "disconnected";

// biome-ignore lint/suspicious/noExplicitAny: catch-all listeners receive whatever was sent
type AnyListener = (...args: any[]) => void;

/** What `socket.to()` and the other broadcast modifiers of a socket return. */
type SocketBroadcast<EmitEvents extends EventsMap, SocketData> = BroadcastOperator<
  DecorateAcknowledgementsWithMultipleResponses<EmitEvents>,
  SocketData
>;

/** A socket id: 15 random bytes, base64url (20 characters), like Socket.IO's. */
function newSocketId(): SocketId {
  return randomBytes(15).toString("base64url");
}

/** One client's connection to one namespace. */
export class Socket<
    ListenEvents extends EventsMap = DefaultEventsMap,
    EmitEvents extends EventsMap = DefaultEventsMap,
    ServerSideEvents extends EventsMap = DefaultEventsMap,
    SocketData = DefaultSocketData,
  >
  extends StrictEventEmitter<ListenEvents, SocketReservedEvents>
  implements AdapterSocket
{
  /** The socket id; also the name of the room only this socket is in. */
  readonly id: SocketId;
  /** The namespace this socket belongs to. */
  readonly nsp: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  /** The connection that carries this socket (shared by its namespaces). */
  readonly client: Connection;
  readonly #auth: Record<string, unknown>;
  readonly #issued: number;
  #handshake: Handshake | undefined;
  #data: SocketData = {} as SocketData;
  /** Free-form data, shared with `fetchSockets()` and kept across state recovery. */
  get data(): SocketData {
    return this.#data;
  }

  set data(value: SocketData) {
    this.#data = value;
    // an adapter that keeps connected sessions elsewhere keeps this one's data current
    if (this.#pid !== undefined && this.#state === "connected") {
      this.nsp.adapter.sessionDataChanged?.(this.id);
    }
  }

  /** True when this socket's id, rooms, data and missed packets were restored. */
  readonly recovered: boolean;
  readonly #pid: string | undefined;
  readonly #restoredRooms: readonly Room[] | undefined;
  #missed: unknown[][] | undefined;
  #state: SocketState = "connecting";
  // Acks, modifiers, middlewares and catch-all listeners are rare on most sockets: each is
  // allocated on first use, so an idle socket carries none of them.
  #acks: PendingAcks | undefined;
  #flags: Readonly<EmitFlags> = NO_FLAGS;
  // The three lists are replaced, never changed in place: a dispatch iterates the list it read,
  // whatever its listeners add or remove meanwhile, without copying it per message.
  #middlewares: readonly SocketMiddleware[] | undefined;
  #anyIncoming: readonly AnyListener[] | undefined;
  #anyOutgoing: readonly AnyListener[] | undefined;

  /** @internal created by the namespace when a CONNECT arrives */
  constructor(
    nsp: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
    client: Connection,
    auth: Record<string, unknown>,
    snapshot: RecoveredSnapshot | null,
  ) {
    super();
    this.nsp = nsp;
    this.client = client;
    // The handshake object (parsed query, date string) is built on first read: most
    // applications never look at it, and it would cost every idle socket its memory.
    this.#auth = auth;
    this.#issued = Date.now();
    if (snapshot) {
      this.id = snapshot.sid;
      this.#pid = snapshot.pid;
      this.data = snapshot.data as SocketData;
      this.#restoredRooms = snapshot.rooms;
      this.#missed = snapshot.missedPackets;
      this.recovered = true;
    } else {
      this.id = newSocketId();
      this.#pid = nsp.connectionStateRecovery ? randomBytes(16).toString("base64url") : undefined;
      this.#restoredRooms = undefined;
      this.recovered = false;
    }
  }

  /** What the client presented when connecting (built on first read, then the same object). */
  get handshake(): Handshake {
    if (this.#handshake === undefined) {
      this.#handshake = buildHandshake(this.client.request, this.#auth, this.#issued);
    }
    return this.#handshake;
  }

  /** Where the socket is in its life. */
  get state(): SocketState {
    return this.#state;
  }

  /** True once connected and until disconnected. */
  get connected(): boolean {
    return this.#state === "connected";
  }

  /** True when not connected. */
  get disconnected(): boolean {
    return this.#state !== "connected";
  }

  /** The engine session (`socket.conn.transport.name` tells the transport). */
  get conn(): EngineSession {
    return this.client.conn;
  }

  /**
   * The handshake HTTP request as the engine kept it: the request itself when a middleware
   * attached something (`request.session`, `request.user`), else a snapshot with its method,
   * url, headers and socket.
   */
  get request(): HandshakeRequest {
    return this.client.request;
  }

  /** The rooms this socket is in (a copy). */
  get rooms(): Set<Room> {
    return new Set(this.nsp.adapter.socketRooms(this.id));
  }

  // -- emitting ----------------------------------------------------------------------------

  /**
   * Sends an event to this client. A function as the last argument is an ack callback (with
   * `timeout(ms)` it takes an error first). Returns false while the connection holds more than
   * its high-water mark (half of `maxBufferedBytes`) for the client: the event is kept all the
   * same, and the socket emits "drain" once it has all gone out.
   * @throws ReservedEventError for Socket.IO's reserved names
   */
  override emit<Ev extends EventNames<EmitEvents>>(
    ev: Ev,
    ...args: EventParams<EmitEvents, Ev>
  ): boolean {
    if (RESERVED_EVENTS.has(ev as string)) throw new ReservedEventError(String(ev));
    const data: unknown[] = [ev, ...args];
    const flags = this.#flags;
    this.#flags = NO_FLAGS;
    const packet: SocketPacket = { type: SocketPacketType.EVENT, nsp: this.nsp.name, data };
    const last = data[data.length - 1];
    if (typeof last === "function") {
      data.pop();
      const id = this.nsp.nextAckId();
      expectAck(this.#pending(), this, id, last as (...args: unknown[]) => void, flags.timeout);
      packet.id = id;
    } else if (this.#pid !== undefined && !flags.volatile && this.#state !== "connecting") {
      // With recovery on, private packets go through the adapter to the socket's own room, to
      // get an offset and be kept: also after the client dropped (the application may still
      // hold this object), so that they are replayed on recovery and, once the client is back,
      // reach the recovered socket that took over the id.
      const opts = { rooms: new Set([this.id]), except: new Set<Room>(), flags };
      this.nsp.adapter.broadcast(packet, opts);
      return this.client.writable;
    }
    this.notifyOutgoing(data);
    return this.#write(packet, flags);
  }

  /** Emits and resolves with the client's ack (rejects on timeout when `timeout()` is set). */
  emitWithAck<Ev extends EventNamesWithAck<EmitEvents>>(
    ev: Ev,
    ...args: EventParamsWithoutAck<EmitEvents, Ev>
  ): Promise<AckResult<EmitEvents, Ev>> {
    const withError = this.#flags.timeout !== undefined;
    return new Promise((resolve, reject) => {
      const ack = withError
        ? (err: Error | null, value: AckResult<EmitEvents, Ev>) =>
            err ? reject(err) : resolve(value)
        : (value: AckResult<EmitEvents, Ev>) => resolve(value);
      (this.emit as (ev: string, ...args: unknown[]) => boolean)(ev as string, ...args, ack);
    });
  }

  /** Emits a "message" event. */
  send(...args: unknown[]): this {
    (this.emit as (ev: string, ...args: unknown[]) => boolean)("message", ...args);
    return this;
  }

  /** Alias of {@link Socket.send}. */
  write(...args: unknown[]): this {
    return this.send(...args);
  }

  /** The next emit may be dropped if the transport cannot take it now. */
  get volatile(): this {
    this.#flags = { ...this.#flags, volatile: true };
    return this;
  }

  /** Whether the next emit asks the transport to compress. @default true */
  compress(compress: boolean): this {
    this.#flags = { ...this.#flags, compress };
    return this;
  }

  /** The next emit's ack fails with an error after `ms` milliseconds. */
  timeout(
    ms: number,
  ): Socket<ListenEvents, DecorateAcknowledgements<EmitEvents>, ServerSideEvents, SocketData> {
    this.#flags = { ...this.#flags, timeout: ms };
    return this as unknown as Socket<
      ListenEvents,
      DecorateAcknowledgements<EmitEvents>,
      ServerSideEvents,
      SocketData
    >;
  }

  // -- broadcasting from this socket --------------------------------------------------------

  /** Broadcast to a room (or rooms), excluding this socket. */
  to(room: Room | readonly Room[]): SocketBroadcast<EmitEvents, SocketData> {
    return this.#operator().to(room);
  }

  /** Alias of {@link Socket.to}. */
  in(room: Room | readonly Room[]): SocketBroadcast<EmitEvents, SocketData> {
    return this.to(room);
  }

  /** Broadcast to everyone but these rooms and this socket. */
  except(room: Room | readonly Room[]): SocketBroadcast<EmitEvents, SocketData> {
    return this.#operator().except(room);
  }

  /** Broadcast to every other socket of the namespace. */
  get broadcast(): SocketBroadcast<EmitEvents, SocketData> {
    return this.#operator();
  }

  /** Broadcast only to this server's sockets. */
  get local(): SocketBroadcast<EmitEvents, SocketData> {
    return this.#operator().local;
  }

  #operator(): SocketBroadcast<EmitEvents, SocketData> {
    // The flags object is never written to (a modifier replaces it): it can go as it is.
    const flags = this.#flags;
    this.#flags = NO_FLAGS;
    return new BroadcastOperator(this.nsp.adapter, new Set(), new Set([this.id]), flags);
  }

  // -- rooms ---------------------------------------------------------------------------------

  /** Joins one room or several. */
  join(rooms: Room | readonly Room[]): void | Promise<void> {
    return this.nsp.adapter.addAll(this.id, new Set(typeof rooms === "string" ? [rooms] : rooms));
  }

  /** Leaves a room. */
  leave(room: Room): void | Promise<void> {
    return this.nsp.adapter.del(this.id, room);
  }

  // -- middleware and catch-all listeners ---------------------------------------------------

  /** Adds a middleware run on every incoming event before its listeners. */
  use(fn: SocketMiddleware): this {
    this.#middlewares = [...(this.#middlewares ?? []), fn];
    return this;
  }

  /** Adds a listener called with every incoming event's name and arguments. */
  onAny(listener: AnyListener): this {
    this.#anyIncoming = [...(this.#anyIncoming ?? []), listener];
    return this;
  }

  /** Like onAny, but called before the others. */
  prependAny(listener: AnyListener): this {
    this.#anyIncoming = [listener, ...(this.#anyIncoming ?? [])];
    return this;
  }

  /** Removes one catch-all listener, or all of them. */
  offAny(listener?: AnyListener): this {
    this.#anyIncoming = listener ? this.#anyIncoming?.filter((l) => l !== listener) : undefined;
    return this;
  }

  /** The catch-all listeners. */
  listenersAny(): AnyListener[] {
    return [...(this.#anyIncoming ?? [])];
  }

  /** Adds a listener called with every outgoing event's name and arguments. */
  onAnyOutgoing(listener: AnyListener): this {
    this.#anyOutgoing = [...(this.#anyOutgoing ?? []), listener];
    return this;
  }

  /** Like onAnyOutgoing, but called before the others. */
  prependAnyOutgoing(listener: AnyListener): this {
    this.#anyOutgoing = [listener, ...(this.#anyOutgoing ?? [])];
    return this;
  }

  /** Removes one outgoing catch-all listener, or all of them. */
  offAnyOutgoing(listener?: AnyListener): this {
    this.#anyOutgoing = listener ? this.#anyOutgoing?.filter((l) => l !== listener) : undefined;
    return this;
  }

  /** The outgoing catch-all listeners. */
  listenersAnyOutgoing(): AnyListener[] {
    return [...(this.#anyOutgoing ?? [])];
  }

  // -- closing -------------------------------------------------------------------------------

  /**
   * Disconnects from this namespace ("server namespace disconnect"); with `close`, closes the
   * whole connection and so every namespace on it.
   */
  disconnect(close = false): this {
    if (!this.connected) return this;
    if (close) {
      this.client.disconnectAll();
      return this;
    }
    this.#write({ type: SocketPacketType.DISCONNECT, nsp: this.nsp.name }, NO_FLAGS);
    this._onclose("server namespace disconnect");
    return this;
  }

  // -- AdapterSocket ---------------------------------------------------------------------------

  /** @internal writes frames encoded once for a whole broadcast */
  writeEncoded(frames: EncodedFrames, options: WriteOptions): void {
    this.client.write(frames, options);
  }

  /** @internal */
  notifyOutgoing(args: readonly unknown[]): void {
    const listeners = this.#anyOutgoing;
    if (listeners === undefined || listeners.length === 0) return;
    for (const listener of listeners) listener.apply(this, args as unknown[]);
  }

  /** @internal */
  registerAck(id: number, ack: (...args: unknown[]) => void, timeout?: number): void {
    expectBroadcastAck(this.#pending(), id, ack, timeout);
  }

  /** Number of acknowledgements this socket still waits for (for leak checks). */
  get pendingAcks(): number {
    return this.#acks?.size ?? 0;
  }

  // -- internals called by the namespace and the client ------------------------------------

  /** @internal joins its rooms, sends CONNECT (and what it missed, when recovered) */
  _onconnect(): void {
    this.#state = "connected";
    void this.join(this.#restoredRooms ?? [this.id]);
    if (this.#pid !== undefined) this.nsp.adapter.trackSession?.(this.id, this.#pid);
    const data: Record<string, string> = { sid: this.id };
    if (this.#pid !== undefined) data.pid = this.#pid;
    const connect = { type: SocketPacketType.CONNECT, nsp: this.nsp.name, data };
    this.client.write(this.nsp.encode(connect), CONNECT_WRITE);
    const missed = this.#missed;
    this.#missed = undefined;
    for (const args of missed ?? []) {
      this.#write({ type: SocketPacketType.EVENT, nsp: this.nsp.name, data: args }, NO_FLAGS);
    }
  }

  /** @internal refuses the connection with a CONNECT_ERROR built from a middleware error */
  _refuse(err: Error & { data?: unknown }): void {
    const data: Record<string, unknown> = { message: err.message };
    if (err.data !== undefined) data.data = err.data;
    this.#write({ type: SocketPacketType.CONNECT_ERROR, nsp: this.nsp.name, data }, NO_FLAGS);
    this.nsp.adapter.delAll(this.id);
    this.#state = "disconnected";
  }

  /** @internal handles a decoded packet addressed to this socket's namespace */
  _onpacket(packet: SocketPacket): void {
    switch (packet.type) {
      case SocketPacketType.EVENT:
      case SocketPacketType.BINARY_EVENT:
        this.#onevent(packet);
        break;
      case SocketPacketType.ACK:
      case SocketPacketType.BINARY_ACK:
        settleAck(this.#acks, this, packet);
        break;
      case SocketPacketType.DISCONNECT:
        this._onclose("client namespace disconnect");
        break;
    }
  }

  /** @internal closes with a reason; "disconnecting" fires while the rooms are still set */
  _onclose(reason: DisconnectReason, description?: unknown): void {
    if (this.#state !== "connected") return;
    this.#state = "disconnecting";
    this.emitReserved("disconnecting", reason, description);
    if (this.#pid !== undefined && RECOVERABLE_DISCONNECT_REASONS.has(reason)) {
      this.nsp.adapter.persistSession({
        sid: this.id,
        pid: this.#pid,
        rooms: [...this.rooms],
        data: this.data,
      });
    }
    this.nsp.adapter.delAll(this.id);
    this.nsp._remove(this);
    this.client._remove(this as unknown as Parameters<Connection["_remove"]>[0]);
    this.#state = "disconnected";
    dropPendingAcks(this.#acks);
    trace("disconnect", { nsp: this.nsp.name, id: this.id, reason });
    this.emitReserved("disconnect", reason, description);
  }

  /** @internal the connection drained after an emit returned false */
  _ondrain(): void {
    if (this.connected) this.emitReserved("drain");
  }

  /** The pending acks, created with the first one; room made for one more. */
  #pending(): PendingAcks {
    if (this.#acks === undefined) this.#acks = new Map();
    else if (this.#acks.size >= this.nsp.maxPendingAcks) dropOldestAck(this.#acks, this);
    return this.#acks;
  }

  #write(packet: SocketPacket, flags: Readonly<EmitFlags>): boolean {
    return this.client.write(this.nsp.encode(packet), writeOptionsOf(flags));
  }

  #onevent(packet: SocketPacket): void {
    const args = packet.data as unknown[];
    if (packet.id !== undefined) args.push(this.#ackFor(packet.id));
    const any = this.#anyIncoming;
    if (any !== undefined) for (const listener of any) listener.apply(this, args);
    // The common case, no `socket.use` middleware: dispatch at once, no closure per event.
    if (this.#middlewares === undefined || this.#middlewares.length === 0) {
      this.#dispatch(args);
      return;
    }
    runMiddlewares(this.#middlewares, args, (err) => {
      if (err) this.#onerror(err);
      else this.#dispatch(args);
    });
  }

  /** Hands an incoming event (`[name, ...args]`) to its listeners. */
  #dispatch(args: unknown[]): void {
    if (this.connected) this.emitUntypedArgs(args);
  }

  #onerror(err: Error): void {
    if (this.listenerCount("error") > 0) this.emitReserved("error", err);
    else trace("middleware error", { id: this.id, error: err, listened: false });
  }

  #ackFor(id: number): (...args: unknown[]) => void {
    let sent = false;
    return (...args: unknown[]) => {
      if (sent || !this.connected) return;
      sent = true;
      this.#write({ type: SocketPacketType.ACK, nsp: this.nsp.name, id, data: args }, NO_FLAGS);
    };
  }
}
