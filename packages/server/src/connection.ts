/**
 * One engine session, seen from the Socket.IO layer: the one choke point of a client's traffic.
 * Every frame written to the client passes its outbound stage ({@link Connection.write}) and
 * every packet decoded from it its inbound stage, each running the server's policies (see
 * pipeline.ts). It routes packets to the sockets of the namespaces it joined (several on one
 * connection), enforces `connectTimeout`, bounds what an incomplete binary packet may hold, and
 * closes the connection on any malformed packet ("parse error").
 */
import { type SocketPacket, SocketPacketType } from "@switchboard/protocol";
import type { WriteOptions } from "./adapters/adapter.js";
import { trace } from "./debug.js";
import { InvalidNamespaceError, ProtocolViolationError } from "./errors.js";
import type { Namespace } from "./namespace.js";
import type { EncodedFrames, PacketDecoder, ServerCodec } from "./parser.js";
import type { ConnectionPolicy, Pipeline, PolicyHost } from "./pipeline.js";
import { type DisconnectReason, RESERVED_EVENTS } from "./reserved.js";
import type {
  EngineSession,
  HandshakeRequest,
  SessionCloseReason,
  SessionData,
} from "./session.js";
import type { Socket } from "./socket.js";
import type { EventsMap } from "./typed-events.js";

type AnySocket = Socket<EventsMap, EventsMap, EventsMap, unknown>;
type AnyNamespace = Namespace<EventsMap, EventsMap, EventsMap, unknown>;

/** The server options a connection reads. */
export interface ConnectionOptions {
  readonly connectTimeout: number;
  readonly codec: ServerCodec;
  readonly maxNamespacesPerConnection: number;
  readonly maxBinaryPacketBytes: number;
  readonly binaryPacketTimeout: number;
}

/** What the connection needs of the server. */
export interface ConnectionHost {
  readonly options: ConnectionOptions;
  /** The policies of every connection's stages. */
  readonly pipeline: Pipeline;
  /** Finds or creates (dynamic namespaces) the namespace `name`; undefined if none matches. */
  _resolveNamespace(
    name: string,
    auth: Record<string, unknown>,
    fn: (nsp: AnyNamespace | undefined) => void,
  ): void;
  /** @internal */
  _onClientClose(client: Connection): void;
}

/** @deprecated the former name of {@link ConnectionHost} */
export type ClientHost = ConnectionHost;

/**
 * Longest namespace name taken from a CONNECT: longer ones are refused without being kept.
 * (Strings longer than 16,383 characters are hashed by length alone in V8, so equal-length
 * names would all collide in a Set or Map.)
 */
export const MAX_NAMESPACE_NAME_LENGTH = 1024;
/** Most refused or left namespace names remembered (their late packets are then dropped). */
const MAX_INACTIVE = 16;

/** The session of a connection points back to it (see the static listeners). */
const CONNECTION = Symbol("switchboard.connection");
type TaggedSession = EngineSession & { [CONNECTION]: Connection };

/** "open" until the engine session closes or a parse error closes it. */
export type ConnectionState = "open" | "closed";
/** @deprecated the former name of {@link ConnectionState} */
export type ClientState = ConnectionState;

const VOLATILE: WriteOptions = Object.freeze({ volatile: true, compress: true });
const PLAIN: WriteOptions = Object.freeze({ volatile: false, compress: true });

/** The Socket.IO side of one engine session (Socket.IO's `socket.client`). */
export class Connection implements PolicyHost {
  /** The engine session. */
  readonly conn: EngineSession;
  readonly #server: ConnectionHost;
  readonly #pipeline: Pipeline;
  readonly #decoder: PacketDecoder;
  readonly #sockets = new Map<string, AnySocket>();
  /** Namespaces whose CONNECT is being processed (middlewares, recovery); made on first use. */
  #connecting: Set<string> | undefined;
  /**
   * Namespaces this connection left or was refused, the last few: packets still in flight for
   * them are dropped, not fatal. Made on first use: most connections never leave a namespace.
   */
  #inactive: Set<string> | undefined;
  #state: ConnectionState = "open";
  #connectTimer: NodeJS.Timeout | undefined;
  /** Bytes of the binary packet being received, and its deadline. */
  #binaryBytes = 0;
  #binaryTimer: NodeJS.Timeout | undefined;
  /** Per-policy state, made on first use. */
  #slots: Map<ConnectionPolicy, unknown> | undefined;
  /** Set while waiting for the session's "drain" (see awaitDrain). */
  #awaitingDrain = false;

  /** @internal created by the server for each engine session */
  constructor(server: ConnectionHost, conn: EngineSession) {
    this.#server = server;
    this.#pipeline = server.pipeline;
    this.conn = conn;
    this.#decoder = server.options.codec.createDecoder();
    (conn as TaggedSession)[CONNECTION] = this;
    conn.on("message", Connection.#onSessionMessage);
    conn.on("close", Connection.#onSessionClose);
    this.#connectTimer = setTimeout(
      Connection.#onConnectTimeout,
      server.options.connectTimeout,
      this,
    );
  }

  /** The engine session id. */
  get id(): string {
    return this.conn.id;
  }

  /** What the engine kept of the handshake request. */
  get request(): HandshakeRequest {
    return this.conn.request;
  }

  /** "open" or "closed". */
  get state(): ConnectionState {
    return this.#state;
  }

  /** True once the connection is gone. */
  get closed(): boolean {
    return (
      this.#state === "closed" || this.conn.state === "closing" || this.conn.state === "closed"
    );
  }

  /** The sockets on this connection, by namespace name. */
  get sockets(): ReadonlyMap<string, AnySocket> {
    return this.#sockets;
  }

  /**
   * False while the connection waits for its session to drain (its buffered bytes went over
   * the high-water mark): `socket.emit` returns this, and the sockets emit "drain" when it is
   * true again.
   */
  get writable(): boolean {
    return !this.#awaitingDrain;
  }

  // -- the outbound stage ------------------------------------------------------------------

  /**
   * @internal The outbound stage: every frame written to the client comes here, encoded (a
   * broadcast's frames are the same for every recipient). Returns {@link Connection.writable}.
   */
  write(frames: EncodedFrames, options: WriteOptions): boolean {
    if (this.closed) return false;
    const pipeline = this.#pipeline;
    for (const policy of pipeline.outbound) {
      if (!policy.outbound!(this, frames, options)) return !this.#awaitingDrain;
    }
    // The write options go as the send options (the engine reads `compress`): no object per write.
    for (const frame of frames) this.conn.send(frame as SessionData, options);
    for (const policy of pipeline.written) policy.written!(this, options);
    return !this.#awaitingDrain;
  }

  /** @internal former name of {@link Connection.write} */
  writeToEngine(frames: EncodedFrames, options: WriteOptions): void {
    this.write(frames, options);
  }

  // -- what policies use (PolicyHost) ------------------------------------------------------

  /** @internal */
  slot<T>(policy: ConnectionPolicy, make: () => T): T {
    this.#slots ??= new Map();
    let value = this.#slots.get(policy) as T | undefined;
    if (value === undefined) {
      value = make();
      this.#slots.set(policy, value);
    }
    return value;
  }

  /** @internal */
  awaitDrain(): void {
    if (this.#awaitingDrain || this.#state === "closed") return;
    this.#awaitingDrain = true;
    this.conn.on("drain", Connection.#onSessionDrain);
  }

  /** @internal */
  notify(nsp: string, event: string, data: unknown): void {
    if (!this.#sockets.has(nsp)) return;
    const packet = { type: SocketPacketType.EVENT, nsp, data: [event, data] };
    this.write(this.#server.options.codec.encode(packet), VOLATILE);
  }

  /** @internal */
  closeWith(reason: DisconnectReason): void {
    if (this.#state === "closed") return;
    trace("connection closing", { sessionId: this.conn.id, reason });
    this.#onclose(reason);
    this.conn.close(true);
  }

  // -- closing -----------------------------------------------------------------------------

  /** @internal disconnects every namespace, then closes the connection */
  disconnectAll(): void {
    for (const socket of [...this.#sockets.values()]) socket.disconnect();
    this.close();
  }

  /** Closes the engine session. */
  close(): void {
    if (this.conn.state === "open" || this.conn.state === "opening") this.conn.close();
  }

  /** @internal */
  _remove(socket: AnySocket): void {
    if (this.#sockets.get(socket.nsp.name) === socket) {
      this.#sockets.delete(socket.nsp.name);
      this.#markInactive(socket.nsp.name);
    }
  }

  /** @internal closes every socket with `reason` (server shutdown) */
  _closeSockets(reason: DisconnectReason): void {
    for (const socket of [...this.#sockets.values()]) socket._onclose(reason);
  }

  // The session's listeners and the timers' callbacks are static, shared by every connection
  // (the session carries its connection): no closures per connection.
  // `this` is the session (an EventEmitter calls its listeners on itself).
  static readonly #onSessionMessage = function (this: EngineSession, data: string | Buffer) {
    (this as TaggedSession)[CONNECTION].#ondata(data);
  };

  static readonly #onSessionClose = function (
    this: EngineSession,
    reason: SessionCloseReason,
    description?: Error,
  ) {
    (this as TaggedSession)[CONNECTION].#onclose(reason, description);
  };

  static readonly #onSessionDrain = function (this: EngineSession) {
    (this as TaggedSession)[CONNECTION].#ondrain();
  };

  static #onConnectTimeout(client: Connection): void {
    if (client.#sockets.size > 0 || client.#state !== "open") return;
    trace("connect timeout", { sessionId: client.conn.id });
    client.close();
  }

  static #onBinaryTimeout(client: Connection): void {
    client.#binaryTimer = undefined;
    client.#onParseError(new ProtocolViolationError("binary packet incomplete in time"));
  }

  #ondrain(): void {
    this.conn.off("drain", Connection.#onSessionDrain);
    this.#awaitingDrain = false;
    for (const policy of this.#pipeline.drained) policy.drained!(this);
    for (const socket of [...this.#sockets.values()]) socket._ondrain();
  }

  // -- the inbound stage -------------------------------------------------------------------

  #ondata(data: string | Buffer): void {
    for (const policy of this.#pipeline.received) policy.received!(this, data);
    if (typeof data !== "string" && this.#decoder.awaitingAttachments === true) {
      this.#binaryBytes += data.byteLength;
      if (this.#binaryBytes > this.#server.options.maxBinaryPacketBytes) {
        this.#onParseError(new ProtocolViolationError("binary packet over maxBinaryPacketBytes"));
        return;
      }
    }
    let packet: SocketPacket | undefined;
    try {
      packet = this.#decoder.add(data);
    } catch (err) {
      this.#onParseError(err as Error);
      return;
    }
    if (this.#decoder.awaitingAttachments === true) {
      if (this.#binaryTimer === undefined) this.#startBinaryPacket();
      return;
    }
    if (this.#binaryTimer !== undefined) this.#endBinaryPacket();
    if (packet === undefined) return;
    for (const policy of this.#pipeline.inbound) {
      if (!policy.inbound!(this, packet) || this.#state === "closed") return;
    }
    this.#onpacket(packet);
  }

  #startBinaryPacket(): void {
    this.#binaryBytes = 0;
    this.#binaryTimer = setTimeout(
      Connection.#onBinaryTimeout,
      this.#server.options.binaryPacketTimeout,
      this,
    );
  }

  #endBinaryPacket(): void {
    clearTimeout(this.#binaryTimer);
    this.#binaryTimer = undefined;
    this.#binaryBytes = 0;
  }

  #onpacket(packet: SocketPacket): void {
    const { type, nsp } = packet;
    if (type === SocketPacketType.CONNECT) {
      if (this.#sockets.has(nsp) || this.#connecting?.has(nsp)) {
        this.#onParseError(new ProtocolViolationError(`second CONNECT for namespace ${nsp}`));
        return;
      }
      this.#connect(nsp, (packet.data as Record<string, unknown> | undefined) ?? {});
      return;
    }
    if (type === SocketPacketType.CONNECT_ERROR) {
      this.#onParseError(new ProtocolViolationError("a client may not send CONNECT_ERROR"));
      return;
    }
    if (
      (type === SocketPacketType.EVENT || type === SocketPacketType.BINARY_EVENT) &&
      RESERVED_EVENTS.has((packet.data as unknown[])[0] as string)
    ) {
      this.#onParseError(new ProtocolViolationError("EVENT with a reserved name"));
      return;
    }
    const socket = this.#sockets.get(nsp);
    if (socket) {
      socket._onpacket(packet);
      return;
    }
    // In flight when this side left or while connecting: harmless, dropped.
    if (this.#inactive?.has(nsp) || this.#connecting?.has(nsp)) return;
    this.#onParseError(
      new ProtocolViolationError(`packet for namespace ${nsp} before its CONNECT`),
    );
  }

  #connect(name: string, auth: Record<string, unknown>): void {
    const joined = this.#sockets.size + (this.#connecting?.size ?? 0);
    if (name.length > MAX_NAMESPACE_NAME_LENGTH) {
      this.#refuse(name, "namespace name too long");
      return;
    }
    if (joined >= this.#server.options.maxNamespacesPerConnection) {
      this.#refuse(name, "too many namespaces on this connection");
      return;
    }
    if (this.#connecting === undefined) this.#connecting = new Set();
    this.#connecting.add(name);
    this.#server._resolveNamespace(name, auth, (nsp) => {
      if (this.closed) return;
      if (!nsp) {
        this.#doneConnecting(name);
        this.#markInactive(name);
        this.#refuse(name, new InvalidNamespaceError().message);
        return;
      }
      void nsp._add(this, auth, (socket) => {
        this.#doneConnecting(name);
        if (!socket) {
          this.#markInactive(name);
          return;
        }
        this.#sockets.set(name, socket);
        this.#inactive?.delete(name);
        clearTimeout(this.#connectTimer);
        this.#connectTimer = undefined;
      });
    });
  }

  /** Answers a CONNECT with CONNECT_ERROR. */
  #refuse(name: string, message: string): void {
    trace("connect refused", { sessionId: this.conn.id, message });
    const refusal = { type: SocketPacketType.CONNECT_ERROR, nsp: name, data: { message } };
    this.write(this.#server.options.codec.encode(refusal), PLAIN);
  }

  #doneConnecting(name: string): void {
    this.#connecting?.delete(name);
    if (this.#connecting?.size === 0) this.#connecting = undefined;
  }

  #markInactive(name: string): void {
    if (this.#inactive === undefined) this.#inactive = new Set();
    this.#inactive.delete(name);
    this.#inactive.add(name);
    // The oldest goes first (a Set iterates in insertion order).
    if (this.#inactive.size > MAX_INACTIVE) {
      for (const oldest of this.#inactive) {
        this.#inactive.delete(oldest);
        break;
      }
    }
  }

  #onParseError(err: Error): void {
    trace("parse error", { sessionId: this.conn.id, error: err });
    this.#onclose("parse error", err);
    this.close();
  }

  #onclose(reason: SessionCloseReason | DisconnectReason, description?: Error): void {
    if (this.#state === "closed") return;
    this.#state = "closed";
    this.conn.off("message", Connection.#onSessionMessage);
    this.conn.off("close", Connection.#onSessionClose);
    if (this.#awaitingDrain) this.conn.off("drain", Connection.#onSessionDrain);
    this.#awaitingDrain = false;
    clearTimeout(this.#connectTimer);
    this.#connectTimer = undefined;
    this.#endBinaryPacket();
    for (const socket of [...this.#sockets.values()]) socket._onclose(reason, description);
    this.#sockets.clear();
    this.#connecting = undefined;
    this.#decoder.reset();
    for (const policy of this.#pipeline.closed) policy.closed!(this, reason);
    this.#slots = undefined;
    this.#server._onClientClose(this);
  }
}

/** @deprecated the former name of {@link Connection} */
export const Client = Connection;
/** @deprecated the former name of {@link Connection} */
export type Client = Connection;
