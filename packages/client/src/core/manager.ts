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
import { Socket } from "./socket.js";
import type { ClientTransport, TransportFactory } from "./transport.js";
import { parseUrl } from "./url.js";

const debug = createDebug("manager");

/** States of a {@link Manager}'s connection. */
export type ManagerState = "closed" | "opening" | "open";

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
export class Manager extends Emitter<ManagerEvents, ManagerEvents> {
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
  /** @internal */
  _readyState: ManagerState = "closed";
  /** @internal true while a reconnection is scheduled or running. */
  _reconnecting = false;
  #skipReconnect = false;
  #subs: (() => void)[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
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

  /** Reads an option, or sets it (re-validated) and returns this. */
  #option<K extends keyof ResolvedManagerOptions>(
    key: K,
    value: ResolvedManagerOptions[K] | undefined,
  ): ResolvedManagerOptions[K] | this {
    if (value === undefined) return this.opts[key];
    this.opts = resolveManagerOptions({ ...this.opts, [key]: value }, []);
    if (key === "reconnection" && !value) this.#skipReconnect = true;
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

  /** Opens the connection (if not open or opening); `callback` gets an error if it fails. */
  open(callback?: (error?: Error) => void): this {
    if (this._readyState !== "closed") return this;
    debug("opening", this.uri);
    const engine = new EngineClient(
      { origin: this.uri },
      this.opts,
      memoryFor(this.uri + this.opts.path),
    );
    // Its transport is there from its first attempt (a microtask away), before any event.
    this.engine = engine as Manager["engine"];
    this._readyState = "opening";
    this.#skipReconnect = false;
    const fail = (error: Error) => {
      this.#cleanup();
      this._readyState = "closed";
      this.emitReserved("error", error);
      if (callback) callback(error);
      else this.#maybeReconnectOnOpen();
    };
    this.#subs.push(
      on(engine, "open", () => {
        this.#onOpen();
        callback?.();
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
    return this;
  }

  /** Alias of {@link open}. */
  connect(callback?: (error?: Error) => void): this {
    return this.open(callback);
  }

  #onOpen(): void {
    this.#cleanup();
    this._readyState = "open";
    this.#decoder.reset();
    const engine = this.engine!;
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

  /** @internal Called by a socket that closed: closes the connection once no socket is active. */
  _destroy(_socket: Socket): void {
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
    this.#skipReconnect = true;
    this._reconnecting = false;
    clearTimeout(this.#timer);
    this.#onClose("forced close");
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

  #onClose(reason: ManagerCloseReason, description?: unknown): void {
    debug("closed:", reason);
    this.#cleanup();
    const engine = this.engine;
    if (engine && engine.readyState !== "closed") engine.close();
    this.backoff.reset();
    this._readyState = "closed";
    this.emitReserved("close", reason, description);
    if (this.opts.reconnection && !this.#skipReconnect) this.#reconnect();
  }

  #maybeReconnectOnOpen(): void {
    if (!this._reconnecting && this.opts.reconnection && this.backoff.attempts === 0) {
      this.#reconnect();
    }
  }

  #reconnect(): void {
    if (this._reconnecting || this.#skipReconnect) return;
    if (this.backoff.attempts >= this.opts.reconnectionAttempts) {
      debug("reconnection failed");
      this.backoff.reset();
      this.emitReserved("reconnect_failed");
      this._reconnecting = false;
      return;
    }
    const delay = this.backoff.duration();
    debug("reconnecting in", delay, "ms");
    this._reconnecting = true;
    this.#timer = setTimeout(() => {
      if (this.#skipReconnect) return;
      this.emitReserved("reconnect_attempt", this.backoff.attempts);
      if (this.#skipReconnect) return;
      this.open((error) => {
        if (error) {
          this._reconnecting = false;
          this.#reconnect();
          this.emitReserved("reconnect_error", error);
        } else {
          const attempt = this.backoff.attempts;
          this._reconnecting = false;
          this.backoff.reset();
          this.emitReserved("reconnect", attempt);
        }
      });
    }, delay);
  }
}
