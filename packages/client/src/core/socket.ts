/**
 * Socket: one namespace over a {@link Manager}'s connection, with Socket.IO's API: emit with
 * acks (timeout(), emitWithAck, ackTimeout + retries), volatile, an offline buffer flushed in
 * order on connect, onAny and friends, auth, and connection state recovery (`recovered`).
 */
import type { SocketPacket } from "@switchboard/protocol";
import { createDebug } from "./debug.js";
import {
  type AckResult,
  type DefaultEventsMap,
  Emitter,
  type EventNames,
  type EventsMap,
  listen,
} from "./emitter.js";
import { ClientError, ClientErrorCode } from "./errors.js";
import type { Manager, ManagerCloseReason, ManagerEvents } from "./manager.js";
import { type ResolvedSocketOptions, resolveSocketOptions, type SocketOptions } from "./options.js";

const debug = createDebug("socket");

/**
 * Socket.IO packet types, as in the protocol package's `SocketPacketType`, as an enum so that
 * the bundler inlines the digits.
 */
enum T {
  CONNECT = 0,
  DISCONNECT = 1,
  EVENT = 2,
  ACK = 3,
  CONNECT_ERROR = 4,
  BINARY_EVENT = 5,
  BINARY_ACK = 6,
}

/**
 * What a socket may ask of its manager, and all it uses of it (a {@link Manager} implements
 * it): its events, its `autoConnect` option, whether the connection can write at once, and
 * three requests.
 */
export interface SocketHost extends Pick<Emitter<ManagerEvents>, "on" | "off"> {
  /** Whether sockets connect when created. */
  readonly opts: { readonly autoConnect: boolean };
  /** The connection (a volatile packet goes out only when it is writable). */
  readonly engine: { readonly writable: boolean } | undefined;
  /**
   * A socket wants the connection: opens it unless it is opening, open or waiting to
   * reconnect. True when it is open (the socket sends its CONNECT now, else on `open`).
   */
  _join(): boolean;
  /** Sends one packet of a socket. */
  _packet(packet: SocketPacket): void;
  /** A socket stopped following the manager: the connection closes once none follows it. */
  _leave(): void;
}

/**
 * States of a {@link Socket}: "idle" (not following its manager: created with `autoConnect`
 * false, or after `disconnect()`, the server's DISCONNECT or a refusal), "connecting"
 * (following it: its CONNECT is sent, or will be when the connection opens; also while the
 * manager reconnects), "connected". Only `Socket.#setState` changes it.
 */
export type SocketState = "idle" | "connecting" | "connected";

/** Why a socket disconnected (Socket.IO's `DisconnectReason`). */
export type DisconnectReason = ManagerCloseReason | "io server disconnect" | "io client disconnect";

/** Events a socket fires locally. */
export interface SocketReservedEvents {
  /** Connected to the namespace (also after each reconnection). */
  connect(): void;
  /** The namespace connection failed (refused by the server, or no connection). */
  connect_error(error: Error): void;
  /** Disconnected; reconnection follows unless `reason` is one of the two "io … disconnect". */
  disconnect(reason: DisconnectReason, description?: unknown): void;
}

/** Event names an application may not emit. */
const RESERVED = ["connect", "connect_error", "disconnect", "disconnecting", "newListener"];

type AnyFn = (...args: unknown[]) => void;
type AckFn = AnyFn & { withError?: boolean };

/** Modifiers of the next emit (`volatile`, `timeout()`, `compress()`). */
interface Flags {
  volatile?: boolean;
  compress?: boolean;
  timeout?: number | undefined;
}

/** An emit in the at-least-once queue (`retries`): sent again until acknowledged. */
interface QueuedPacket {
  tries: number;
  /** The event name, its arguments and the queue's own ack callback. */
  data: unknown[];
  flags: Flags;
}

/** A client socket: one namespace of one connection. */
export class Socket<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
> extends Emitter<ListenEvents, SocketReservedEvents> {
  /** The Manager. */
  readonly io: Manager;
  /** The namespace. */
  readonly nsp: string;
  /** Session id in the namespace, while connected. */
  id: string | undefined;
  /**
   * True when the last connection restored the previous session (state recovery); a fact of
   * the last CONNECT, kept after a disconnection, as in socket.io-client.
   */
  recovered = false;
  /** The auth payload (or function) sent with each CONNECT. */
  auth: SocketOptions["auth"];
  /** Events received before `connect` was handled, delivered after it. */
  receiveBuffer: unknown[][] = [];
  /** Packets emitted while disconnected, sent in order on connect. */
  sendBuffer: SocketPacket[] = [];
  /** @internal private session id, for state recovery */
  _pid: string | undefined;
  /** @internal offset of the last event received, for state recovery */
  _lastOffset: string | undefined;
  readonly #host: SocketHost;
  #state: SocketState = "idle";
  readonly #opts: ResolvedSocketOptions;
  readonly #acks = new Map<number, AckFn>();
  #ids = 0;
  #flags: Flags = {};
  /** Detaches the manager's listeners (while not idle). */
  #subs: (() => void)[] = [];
  #queue: QueuedPacket[] = [];
  /** The queue's head while its ack is awaited. */
  #awaiting: QueuedPacket | undefined;
  #any: AnyFn[] = [];
  #anyOutgoing: AnyFn[] = [];

  constructor(io: Manager, nsp: string, options: SocketOptions = {}) {
    super();
    this.io = io;
    this.#host = io;
    this.nsp = nsp;
    this.#opts = resolveSocketOptions(options);
    this.auth = options.auth;
    if (io.opts.autoConnect) this.open();
  }

  #setState(state: SocketState): void {
    debug("state", this.nsp, this.#state, "->", state);
    this.#state = state;
  }

  /** True while connected to the namespace. */
  get connected(): boolean {
    return this.#state === "connected";
  }

  /** True while disconnected. */
  get disconnected(): boolean {
    return !this.connected;
  }

  /** True while the socket follows its Manager (connected, or trying to). */
  get active(): boolean {
    return this.#state !== "idle";
  }

  /** Connects (no-op when connected or connecting). */
  connect(): this {
    if (this.connected) return this;
    // A socket that is connecting has sent its CONNECT or will on the manager's open: a
    // second one for the namespace is a protocol error to the server.
    const idle = !this.active;
    if (idle) this.#follow();
    if (this.#host._join() && idle) this.#onOpen();
    return this;
  }

  /** Alias of {@link connect}. */
  open(): this {
    return this.connect();
  }

  /** idle → connecting: follows the manager's events. */
  #follow(): void {
    this.#setState("connecting");
    const io = this.#host;
    this.#subs = [
      listen(io, "open", () => this.#onOpen()),
      listen(io, "packet", (packet: SocketPacket) => this.#onPacket(packet)),
      listen(io, "error", (error: Error) => {
        if (!this.connected) this.emitReserved("connect_error", error);
      }),
      listen(io, "close", (reason: ManagerCloseReason, description?: unknown) => {
        // The connection ended before the namespace connected (e.g. a jsonp session the
        // server closed): without this, a page waiting for `connect` would never hear.
        if (!this.connected && reason !== "forced close") {
          // A refusal of the page's origin is the reason itself: it is what the page hears.
          const refused =
            description instanceof ClientError &&
            description.code === ClientErrorCode.ORIGIN_REFUSED;
          const error = refused
            ? description
            : new ClientError(ClientErrorCode.CONNECTION_CLOSED, reason, { cause: description });
          if (!refused) error.description = description;
          this.emitReserved("connect_error", error);
        } else if (this.connected) this.#setState("connecting");
        this.#onClose(reason, description);
      }),
    ];
  }

  /** Sends a `message` event. */
  send(...args: unknown[]): this {
    return (this.emit as (...a: unknown[]) => this).apply(this, ["message", ...args]);
  }

  /**
   * Emits an event to the server. A function as last argument is the acknowledgement callback.
   * @throws ClientError SB_ERR_RESERVED_EVENT for `connect`, `disconnect`, …
   */
  emit<Ev extends EventNames<EmitEvents>>(event: Ev, ...args: Parameters<EmitEvents[Ev]>): this {
    if (RESERVED.includes(event)) {
      throw new ClientError(ClientErrorCode.RESERVED_EVENT, `"${event}" is a reserved event name`);
    }
    const data: unknown[] = [event, ...args];
    const flags = this.#flags;
    this.#flags = {};
    if (this.#opts.retries && !flags.volatile) this.#addToQueue(data, flags);
    else this.#emitEvent(data, flags);
    return this;
  }

  /** Sends (or buffers, or drops if volatile) one event; a function as last element is its ack. */
  #emitEvent(data: unknown[], flags: Flags): void {
    const packet: SocketPacket = { type: T.EVENT, nsp: this.nsp, data };
    if (typeof data[data.length - 1] === "function") {
      const id = this.#ids++;
      this.#registerAck(id, data.pop() as AnyFn, flags);
      packet.id = id;
    }
    if (flags.volatile && !(this.connected && this.#host.engine?.writable)) {
      debug("volatile packet discarded");
    } else if (this.connected) {
      this.#notifyOutgoing(packet);
      this.#packet(packet);
    } else {
      this.sendBuffer.push(packet);
    }
  }

  #registerAck(id: number, ack: AnyFn, flags: Flags): void {
    const timeout = flags.timeout ?? this.#opts.ackTimeout;
    if (timeout === undefined) {
      this.#acks.set(id, ack);
      return;
    }
    const timer = setTimeout(() => {
      this.#acks.delete(id);
      this.sendBuffer = this.sendBuffer.filter((p) => p.id !== id);
      ack.call(this, new ClientError(ClientErrorCode.ACK_TIMEOUT));
    }, timeout);
    const fn: AckFn = (...args) => {
      clearTimeout(timer);
      ack.apply(this, args);
    };
    fn.withError = true;
    this.#acks.set(id, fn);
  }

  /**
   * Emits and resolves with the acknowledgement; with a timeout (`timeout()` or `ackTimeout`)
   * rejects with SB_ERR_ACK_TIMEOUT when it does not come.
   */
  emitWithAck<Ev extends EventNames<EmitEvents>>(
    event: Ev,
    ...args: unknown[]
  ): Promise<AckResult<EmitEvents, Ev>> {
    const withError = this.#flags.timeout !== undefined || this.#opts.ackTimeout !== undefined;
    return new Promise((resolve, reject) => {
      // The ack's values are the server's, typed by the application's event map.
      args.push((a: AckResult<EmitEvents, Ev>, b: AckResult<EmitEvents, Ev>) => {
        if (!withError) resolve(a);
        else if (a) reject(a);
        else resolve(b);
      });
      this.emit(event, ...(args as Parameters<EmitEvents[Ev]>));
    });
  }

  /** The at-least-once queue: one packet in flight at a time, each sent until acknowledged. */
  #addToQueue(data: unknown[], flags: Flags): void {
    const ack = typeof data[data.length - 1] === "function" ? (data.pop() as AnyFn) : undefined;
    const packet: QueuedPacket = { tries: 0, data, flags };
    data.push((error: unknown, ...response: unknown[]) => {
      if (packet !== this.#queue[0]) return; // a late answer to an earlier try
      if (error) {
        if (packet.tries > this.#opts.retries) {
          debug("packet dropped after", packet.tries, "tries");
          this.#queue.shift();
          ack?.(error);
        }
      } else {
        this.#queue.shift();
        ack?.(null, ...response);
      }
      this.#awaiting = undefined;
      this.#drainQueue();
    });
    this.#queue.push(packet);
    this.#drainQueue();
  }

  /** Sends the queue's head unless its ack is awaited (`resend`: on connect, send it again). */
  #drainQueue(resend = false): void {
    const packet = this.#queue[0];
    if (!this.connected || !packet || (this.#awaiting && !resend)) return;
    this.#awaiting = packet;
    packet.tries++;
    this.#emitEvent(packet.data.slice(), packet.flags);
  }

  #packet(packet: SocketPacket): void {
    packet.nsp = this.nsp;
    this.#host._packet(packet);
  }

  #onOpen(): void {
    const auth = this.auth;
    if (typeof auth === "function") auth((data) => this.#sendConnect(data));
    else this.#sendConnect(auth);
  }

  #sendConnect(data: Record<string, unknown> | undefined): void {
    this.#packet({
      type: T.CONNECT,
      nsp: this.nsp,
      data: this._pid ? { pid: this._pid, offset: this._lastOffset, ...data } : data,
    });
  }

  /** Reports a disconnection (the state has changed already). */
  #onClose(reason: DisconnectReason, description?: unknown): void {
    debug("close", this.nsp, reason);
    this.id = undefined;
    this.emitReserved("disconnect", reason, description);
    this.#clearAcks();
  }

  #clearAcks(): void {
    for (const [id, ack] of this.#acks) {
      if (this.sendBuffer.some((p) => p.id === id)) continue; // still to be sent
      this.#acks.delete(id);
      if (ack.withError) ack.call(this, new ClientError(ClientErrorCode.DISCONNECTED));
    }
  }

  #onPacket(packet: SocketPacket): void {
    if (packet.nsp !== this.nsp) return;
    const data = packet.data as Record<string, unknown> | unknown[] | undefined;
    switch (packet.type) {
      case T.CONNECT: {
        const d = data as { sid?: string; pid?: string } | undefined;
        if (d?.sid) this.#onConnect(d.sid, d.pid);
        else this.emitReserved("connect_error", new ClientError(ClientErrorCode.CONNECT_REFUSED));
        break;
      }
      case T.EVENT:
      case T.BINARY_EVENT: {
        const args = (data as unknown[]).slice();
        if (packet.id !== undefined) args.push(this.#ack(packet.id));
        if (this.connected) this.#receive(args);
        else this.receiveBuffer.push(args);
        break;
      }
      case T.ACK:
      case T.BINARY_ACK: {
        const ack = this.#acks.get(packet.id!);
        if (!ack) return;
        this.#acks.delete(packet.id!);
        const args = (data as unknown[]).slice();
        if (ack.withError) args.unshift(null);
        ack.apply(this, args);
        break;
      }
      case T.DISCONNECT:
        this.destroy();
        this.#onClose("io server disconnect");
        break;
      case T.CONNECT_ERROR: {
        this.destroy();
        // An object { message, data? }, or (Socket.IO v4 servers, python-socketio) a string.
        const d = data as { message?: unknown; data?: unknown };
        const error = new ClientError(
          ClientErrorCode.CONNECT_REFUSED,
          (typeof d === "string" ? d : d.message) as string,
        );
        error.data = d.data;
        this.emitReserved("connect_error", error);
        break;
      }
    }
  }

  /**
   * @internal A packet for this namespace could not be read: this namespace alone ends (a
   * connect_error while connecting, else a disconnect "parse error" without reconnection); the
   * connection and the other namespaces go on.
   */
  _onBadPacket(error: Error): void {
    if (!this.active) return;
    const connected = this.connected;
    if (connected) this.#packet({ type: T.DISCONNECT, nsp: this.nsp });
    this.destroy();
    if (connected) this.#onClose("parse error", error);
    else this.emitReserved("connect_error", error);
  }

  /** Delivers one received event (its ack function last, if any) to the listeners. */
  #receive(args: unknown[]): void {
    for (const listener of this.#any.slice()) listener.apply(this, args);
    (this.emitReserved as (...a: unknown[]) => void).apply(this, args);
    const last = args[args.length - 1];
    if (this._pid && typeof last === "string") this._lastOffset = last;
  }

  #ack(id: number): AnyFn {
    let sent = false;
    return (...args) => {
      if (sent) return;
      sent = true;
      this.#packet({ type: T.ACK, nsp: this.nsp, id, data: args });
    };
  }

  #onConnect(id: string, pid: string | undefined): void {
    debug("connected", this.nsp, id);
    this.id = id;
    this.recovered = pid !== undefined && this._pid === pid;
    this._pid = pid;
    this.#setState("connected");
    for (const args of this.receiveBuffer) this.#receive(args);
    this.receiveBuffer = [];
    for (const packet of this.sendBuffer) {
      this.#notifyOutgoing(packet);
      this.#packet(packet);
    }
    this.sendBuffer = [];
    this.emitReserved("connect");
    this.#drainQueue(true);
  }

  /** Stops following the Manager (which closes once no socket is active). */
  destroy(): void {
    for (const detach of this.#subs) detach();
    this.#subs = [];
    this.#setState("idle");
    this.#host._leave();
  }

  /** Disconnects from the namespace by hand; no reconnection follows. */
  disconnect(): this {
    const connected = this.connected;
    if (connected) this.#packet({ type: T.DISCONNECT, nsp: this.nsp });
    this.destroy();
    if (connected) this.#onClose("io client disconnect");
    return this;
  }

  /** Alias of {@link disconnect}. */
  close(): this {
    return this.disconnect();
  }

  /** Compression flag (kept for compatibility; the transports decide). */
  compress(compress: boolean): this {
    this.#flags.compress = compress;
    return this;
  }

  /** The next emit is dropped when it cannot be sent at once. */
  get volatile(): this {
    this.#flags.volatile = true;
    return this;
  }

  /** The next emit's acknowledgement fails with SB_ERR_ACK_TIMEOUT after `ms`. */
  timeout(ms: number): this {
    this.#flags.timeout = ms;
    return this;
  }

  /** Adds a listener called for every incoming event, with the event name first. */
  onAny(listener: (event: string, ...args: unknown[]) => void): this {
    this.#any.push(listener as AnyFn);
    return this;
  }

  /** Like {@link onAny}, called before the others. */
  prependAny(listener: (event: string, ...args: unknown[]) => void): this {
    this.#any.unshift(listener as AnyFn);
    return this;
  }

  /** Removes one catch-all listener, or all of them. */
  offAny(listener?: (event: string, ...args: unknown[]) => void): this {
    this.#any = listener ? this.#any.filter((l) => l !== listener) : [];
    return this;
  }

  /** The catch-all listeners. */
  listenersAny(): ((...args: unknown[]) => void)[] {
    return this.#any.slice();
  }

  /** Adds a listener called for every outgoing event, with the event name first. */
  onAnyOutgoing(listener: (event: string, ...args: unknown[]) => void): this {
    this.#anyOutgoing.push(listener as AnyFn);
    return this;
  }

  /** Like {@link onAnyOutgoing}, called before the others. */
  prependAnyOutgoing(listener: (event: string, ...args: unknown[]) => void): this {
    this.#anyOutgoing.unshift(listener as AnyFn);
    return this;
  }

  /** Removes one outgoing catch-all listener, or all of them. */
  offAnyOutgoing(listener?: (event: string, ...args: unknown[]) => void): this {
    this.#anyOutgoing = listener ? this.#anyOutgoing.filter((l) => l !== listener) : [];
    return this;
  }

  /** The outgoing catch-all listeners. */
  listenersAnyOutgoing(): ((...args: unknown[]) => void)[] {
    return this.#anyOutgoing.slice();
  }

  #notifyOutgoing(packet: SocketPacket): void {
    for (const listener of this.#anyOutgoing.slice()) {
      listener.apply(this, packet.data as unknown[]);
    }
  }
}
