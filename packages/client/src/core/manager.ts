/**
 * Manager: one connection to a server (an {@link EngineClient} at a time), shared by the
 * sockets of every namespace, that reconnects with exponential backoff and jitter.
 * Events, as Socket.IO's Manager: open, error, ping, packet, close, reconnect_attempt,
 * reconnect, reconnect_error, reconnect_failed.
 */
import {
  type BinaryData,
  encodeSocketPacket,
  type ProtocolError,
  SocketDecoder,
  type SocketPacket,
} from "@switchboard/protocol";
import { onPageBack } from "#platform";
import { Backoff } from "./backoff.js";
import { createDebug } from "./debug.js";
import { Emitter, listen as on } from "./emitter.js";
import { EngineClient, type EngineCloseReason } from "./engine.js";
import { ClientError, ClientErrorCode } from "./errors.js";
import { memoryFor } from "./ladder.js";
import {
  type ManagerOptions,
  type ResolvedManagerOptions,
  resolveManagerOptions,
  type SocketOptions,
} from "./options.js";
import { Socket, type SocketHost } from "./socket.js";
import type { ClientTransport, TransportFactory } from "./transport.js";
import { parseUrl } from "./url.js";

const debug = createDebug("manager");

/**
 * States of a {@link Manager}'s connection:
 *
 * ```
 * closed ─ open() ─► opening ─► open ─ lost ─► waiting ─ backoff delay, or the page is back ─►
 *   ▲                   │                        ▲  online / visible ─► reconnecting ─► open
 *   └── failed, closed, └─ failed ─(reconnection)┘                        │
 *       reconnection off  or out of attempts ◄─── failed ─► waiting ◄─────┘
 * ```
 *
 * Only `Manager.#setState` changes it.
 */
export type ManagerState = "closed" | "opening" | "open" | "waiting" | "reconnecting";

/** Why a manager's connection closed: the engine's reasons, or a packet it could not decode. */
export type ManagerCloseReason = EngineCloseReason;

/** Events of a {@link Manager}. */
export interface ManagerEvents {
  /** The connection opened. */
  open(): void;
  /** Opening failed, or the connection reported an error. */
  error(error: Error): void;
  /** The server pinged. */
  ping(): void;
  /** A socket packet arrived (any namespace). */
  packet(packet: SocketPacket): void;
  /** The connection closed. */
  close(reason: ManagerCloseReason, description?: unknown): void;
  /** Every reconnection attempt failed. */
  reconnect_failed(): void;
  /** A reconnection attempt starts (1 for the first). */
  reconnect_attempt(attempt: number): void;
  /** A reconnection attempt failed. */
  reconnect_error(error: Error): void;
  /** Reconnected after `attempt` attempts. */
  reconnect(attempt: number): void;
}

/** An option's getter and setter, as Socket.IO's Manager has them: `timeout()`, `timeout(5000)`. */
export interface Accessor<T, Self> {
  (): T;
  (value: T): Self;
}

/** The options the Manager has an accessor of the same name for. */
const ACCESSORS = [
  "reconnection",
  "reconnectionAttempts",
  "reconnectionDelay",
  "reconnectionDelayMax",
  "randomizationFactor",
  "timeout",
] as const;

/** One connection to a server, multiplexing namespaces, with automatic reconnection. */
export class Manager extends Emitter<ManagerEvents, ManagerEvents> implements SocketHost {
  /**
   * The engine session (the one in use, or the last one) and its transport
   * (`socket.io.engine.transport.name`). Set by `open()`, at once unless `autoConnect` is false,
   * the transport from the engine's first attempt on; typed as always there, as in
   * socket.io-client.
   */
  engine!: EngineClient & { readonly transport: ClientTransport };
  /** Sockets by namespace. */
  readonly nsps: Record<string, Socket> = {};
  /** Reconnection attempt counter and delays. */
  readonly backoff: Backoff;
  /** The endpoint ("http://host:port"). */
  readonly uri: string;
  /** Options, resolved. */
  opts: ResolvedManagerOptions;
  #state: ManagerState = "closed";
  /** Detaches what follows the engine (and the connect timeout). */
  #subs: (() => void)[] = [];
  /** Leaving "waiting": cancels the backoff timer and removes the page listeners. */
  #stopWaiting = () => {};
  readonly #decoder = new SocketDecoder();

  /**
   * @param uri the server URL (its path is ignored: namespaces are given to `socket()`)
   * @param available transports the `transports` option may name (the platform's entry point
   * passes them all; `@switchboard/client/core` passes none, so transports must be factories)
   */
  constructor(
    uri?: string | ManagerOptions,
    options: ManagerOptions = {},
    available: readonly TransportFactory[] = [],
  ) {
    super();
    if (typeof uri === "object") {
      options = uri;
      uri = undefined;
    }
    const parsed = parseUrl(uri);
    this.uri = parsed.origin;
    this.opts = resolveManagerOptions(
      { ...options, query: { ...parsed.query, ...options.query } },
      available,
    );
    this.backoff = new Backoff(() => this.opts);
    if (this.opts.autoConnect) this.open();
  }

  /** Where the connection is (see {@link ManagerState}). */
  get readyState(): ManagerState {
    return this.#state;
  }

  #setState(state: ManagerState): void {
    debug("state", this.#state, "->", state);
    this.#stopWaiting();
    this.#state = state;
  }

  /** Reads an option, or sets it (re-validated) and returns this. */
  #option<K extends keyof ResolvedManagerOptions>(
    key: K,
    value: ResolvedManagerOptions[K] | undefined,
  ): ResolvedManagerOptions[K] | this {
    if (value === undefined) return this.opts[key];
    this.opts = resolveManagerOptions({ ...this.opts, [key]: value }, []);
    // Turned off while waiting: the scheduled attempt is off too.
    if (key === "reconnection" && !value && this.#state === "waiting") this.#setState("closed");
    return this;
  }

  /** Gets or sets `reconnection`. */
  declare reconnection: Accessor<boolean, this>;
  /** Gets or sets `reconnectionAttempts`. */
  declare reconnectionAttempts: Accessor<number, this>;
  /** Gets or sets `reconnectionDelay`. */
  declare reconnectionDelay: Accessor<number, this>;
  /** Gets or sets `reconnectionDelayMax`. */
  declare reconnectionDelayMax: Accessor<number, this>;
  /** Gets or sets `randomizationFactor`. */
  declare randomizationFactor: Accessor<number, this>;
  /** Gets or sets the connect `timeout`. */
  declare timeout: Accessor<number, this>;

  // The six accessors: one function each on the prototype, as methods (one loop is smaller in
  // the browser bundle than six methods).
  static {
    for (const key of ACCESSORS) {
      (Manager.prototype as unknown as Record<string, unknown>)[key] = function (
        this: Manager,
        value?: never,
      ) {
        return this.#option(key, value);
      };
    }
  }

  /**
   * Opens the connection if it is closed (no-op otherwise: while it waits to reconnect, the
   * reconnection follows); `callback` gets an error if it fails.
   */
  open(callback?: (error?: Error) => void): this {
    if (this.#state === "closed") this.#connect(callback);
    return this;
  }

  /** Alias of {@link open}. */
  connect(callback?: (error?: Error) => void): this {
    return this.open(callback);
  }

  /**
   * Creates an engine: state "opening" (from closed) or "reconnecting" (an attempt). A failed
   * reconnection attempt schedules the next; a failed open calls `callback`, or, without one,
   * starts reconnecting (when it was the first try).
   */
  #connect(callback?: (error?: Error) => void): void {
    if (this.#state === "closed") this.#setState("opening");
    const state = this.#state;
    const attempt = state === "reconnecting";
    debug("opening", this.uri);
    const engine = new EngineClient(
      { origin: this.uri },
      this.opts,
      memoryFor(this.uri + this.opts.path),
    );
    // Its transport is there from its first attempt (a microtask away), before any event.
    this.engine = engine as Manager["engine"];
    const fail = (error: Error) => {
      this.#cleanup();
      this.emitReserved("error", error);
      // A listener may have closed the manager for good (a socket's disconnect() in its
      // connect_error listener): then nothing follows.
      const still = this.#state === state;
      if (still) this.#setState("closed");
      if (attempt) {
        if (still) this.#reconnect();
        this.emitReserved("reconnect_error", error);
      } else if (callback) callback(error);
      else if (still && this.backoff.attempts === 0) this.#reconnect();
    };
    this.#subs.push(
      on(engine, "open", () => {
        this.#onOpen();
        if (!attempt) return callback?.();
        const attempts = this.backoff.attempts;
        this.backoff.reset();
        this.emitReserved("reconnect", attempts);
      }),
      on(engine, "error", fail),
    );
    const timeout = this.opts.timeout;
    if (timeout !== Number.POSITIVE_INFINITY) {
      const timer = setTimeout(() => {
        debug("connect timeout after", timeout);
        fail(new ClientError(ClientErrorCode.CONNECT_TIMEOUT));
        engine.close();
      }, timeout);
      this.#subs.push(() => clearTimeout(timer));
    }
  }

  #onOpen(): void {
    this.#cleanup();
    this.#setState("open");
    const engine = this.engine;
    this.#subs.push(
      on(engine, "ping", () => this.emitReserved("ping")),
      on(engine, "message", (data: string | ArrayBuffer) => this.#onData(data)),
      on(engine, "close", (reason: EngineCloseReason, description?: unknown) =>
        this.#onClose(reason, description),
      ),
    );
    this.emitReserved("open");
  }

  #onData(data: string | ArrayBuffer): void {
    let packet: SocketPacket | undefined;
    try {
      packet = this._decode(data);
    } catch (error) {
      debug("parse error", error);
      // One bad packet (the decoder names its namespace) concerns that namespace alone; a
      // stream that cannot be read on takes the connection down.
      const nsp = (error as ProtocolError).nsp;
      if (nsp === undefined)
        this.#onClose("parse error", error); // detaches, then closes
      else this.nsps[nsp]?._onBadPacket(error as ProtocolError);
      return;
    }
    if (packet) this.emitReserved("packet", packet);
  }

  /**
   * @internal Decodes one engine message: the packet it completes, if any; throws on a bad one.
   * (In Node, the `parser` option replaces it and {@link _packet}.)
   */
  _decode(data: string | BinaryData): SocketPacket | undefined {
    return this.#decoder.add(data);
  }

  /** The socket of a namespace (created once, then reused). */
  socket(nsp: string, options: SocketOptions = {}): Socket {
    let socket = this.nsps[nsp];
    if (!socket) {
      socket = new Socket(this, nsp, options);
      this.nsps[nsp] = socket;
    } else if (this.opts.autoConnect && !socket.active) {
      socket.connect();
    }
    return socket;
  }

  /** @internal {@link SocketHost._join}: opens unless opening, open or waiting to reconnect. */
  _join(): boolean {
    this.open();
    return this.#state === "open";
  }

  /** @internal {@link SocketHost._leave}: closes the connection once no socket is active. */
  _leave(): void {
    for (const nsp in this.nsps) if (this.nsps[nsp]!.active) return;
    this._close();
  }

  /** @internal Encodes and sends a socket packet. */
  _packet(packet: SocketPacket): void {
    for (const part of encodeSocketPacket(packet)) this.engine?.write(part);
  }

  /** @internal Closes the connection for good (no reconnection). */
  _close(): void {
    debug("closing");
    this.#onClose("forced close", undefined, false);
  }

  /** Alias of {@link _close}. */
  disconnect(): void {
    this._close();
  }

  #cleanup(): void {
    for (const detach of this.#subs) detach();
    this.#subs = [];
    this.#decoder.reset();
  }

  #onClose(reason: ManagerCloseReason, description?: unknown, reconnect = true): void {
    debug("closed:", reason);
    this.#cleanup();
    const engine = this.engine;
    if (engine && engine.readyState !== "closed") engine.close();
    this.backoff.reset();
    this.#setState("closed");
    this.emitReserved("close", reason, description);
    if (reconnect && this.#state === "closed") this.#reconnect();
  }

  /** From closed: schedules the next attempt ("waiting"), or gives up. */
  #reconnect(): void {
    if (!this.opts.reconnection) return;
    if (this.backoff.attempts >= this.opts.reconnectionAttempts) {
      debug("reconnection failed");
      this.backoff.reset();
      this.emitReserved("reconnect_failed");
      return;
    }
    const delay = this.backoff.duration();
    debug("reconnecting in", delay, "ms");
    this.#setState("waiting");
    const attempt = () => this.#attempt();
    const timer = setTimeout(attempt, delay);
    // A page that comes back (online, shown, visible) tries at once.
    const detach = onPageBack(attempt);
    this.#stopWaiting = () => {
      clearTimeout(timer);
      detach();
    };
  }

  /** Waiting → reconnecting: one reconnection attempt. */
  #attempt(): void {
    this.#setState("reconnecting");
    this.emitReserved("reconnect_attempt", this.backoff.attempts);
    // A listener may have closed the manager.
    if (this.#state === "reconnecting") this.#connect();
  }
}
