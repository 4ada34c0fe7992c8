/**
 * One engine session, seen from the Socket.IO layer: decodes its messages into socket packets,
 * routes them to the sockets of the namespaces it joined (several on one connection), enforces
 * `connectTimeout`, and closes the connection on any malformed packet ("parse error").
 */
import { type SocketPacket, SocketPacketType } from "@switchboard/protocol";
import type { WriteOptions } from "./adapters/adapter.js";
import { debug, parseErrorChannel } from "./debug.js";
import { InvalidNamespaceError, ProtocolViolationError } from "./errors.js";
import type { Namespace } from "./namespace.js";
import type { EncodedFrames, PacketDecoder, ServerCodec } from "./parser.js";
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

/** What the client needs of the server. */
export interface ClientHost {
  readonly options: { readonly connectTimeout: number; readonly codec: ServerCodec };
  /** Finds or creates (dynamic namespaces) the namespace `name`; undefined if none matches. */
  _resolveNamespace(
    name: string,
    auth: Record<string, unknown>,
    fn: (nsp: AnyNamespace | undefined) => void,
  ): void;
  /** @internal */
  _onClientClose(client: Client): void;
}

/** The session of a client points back to it (see Client's static listeners). */
const CLIENT = Symbol("switchboard.client");
type TaggedSession = EngineSession & { [CLIENT]: Client };

/** "open" until the engine session closes or a parse error closes it. */
export type ClientState = "open" | "closed";

/** The Socket.IO side of one engine session. */
export class Client {
  /** The engine session. */
  readonly conn: EngineSession;
  readonly #server: ClientHost;
  readonly #decoder: PacketDecoder;
  readonly #sockets = new Map<string, AnySocket>();
  /** Namespaces whose CONNECT is being processed (middlewares, recovery); made on first use. */
  #connecting: Set<string> | undefined;
  /**
   * Namespaces this connection left or was refused: packets still in flight for them are
   * dropped, not fatal. Made on first use: most connections never leave a namespace.
   */
  #inactive: Set<string> | undefined;
  #state: ClientState = "open";
  #connectTimer: NodeJS.Timeout | undefined;

  /** @internal created by the server for each engine session */
  constructor(server: ClientHost, conn: EngineSession) {
    this.#server = server;
    this.conn = conn;
    this.#decoder = server.options.codec.createDecoder();
    (conn as TaggedSession)[CLIENT] = this;
    conn.on("message", Client.#onSessionMessage);
    conn.on("close", Client.#onSessionClose);
    this.#connectTimer = setTimeout(Client.#onConnectTimeout, server.options.connectTimeout, this);
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
  get state(): ClientState {
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

  /** @internal writes encoded frames; volatile ones are dropped when the transport is busy */
  writeToEngine(frames: EncodedFrames, options: WriteOptions): void {
    if (this.closed) return;
    if (options.volatile && !this.conn.writable) {
      debug("session %s busy: volatile packet dropped", this.conn.id);
      return;
    }
    // The write options go as the send options (the engine reads `compress`): no object per write.
    for (const frame of frames) this.conn.send(frame as SessionData, options);
  }

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

  // The session's listeners and the connect timer's callback are static, shared by every client
  // (the session carries its client): no closures per connection.
  // `this` is the session (an EventEmitter calls its listeners on itself).
  static readonly #onSessionMessage = function (this: EngineSession, data: string | Buffer) {
    (this as TaggedSession)[CLIENT].#ondata(data);
  };

  static readonly #onSessionClose = function (
    this: EngineSession,
    reason: SessionCloseReason,
    description?: Error,
  ) {
    (this as TaggedSession)[CLIENT].#onclose(reason, description);
  };

  static #onConnectTimeout(client: Client): void {
    if (client.#sockets.size > 0 || client.#state !== "open") return;
    debug("session %s joined no namespace within connectTimeout: closing", client.conn.id);
    client.close();
  }

  #ondata(data: string | Buffer): void {
    let packet: SocketPacket | undefined;
    try {
      packet = this.#decoder.add(data);
    } catch (err) {
      this.#onParseError(err as Error);
      return;
    }
    if (packet) this.#onpacket(packet);
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
    if (this.#connecting === undefined) this.#connecting = new Set();
    this.#connecting.add(name);
    this.#server._resolveNamespace(name, auth, (nsp) => {
      if (this.closed) return;
      if (!nsp) {
        this.#doneConnecting(name);
        this.#markInactive(name);
        const message = new InvalidNamespaceError().message;
        const refusal = { type: SocketPacketType.CONNECT_ERROR, nsp: name, data: { message } };
        const frames = this.#server.options.codec.encode(refusal);
        this.writeToEngine(frames, { volatile: false, compress: true });
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

  #doneConnecting(name: string): void {
    this.#connecting?.delete(name);
    if (this.#connecting?.size === 0) this.#connecting = undefined;
  }

  #markInactive(name: string): void {
    if (this.#inactive === undefined) this.#inactive = new Set();
    this.#inactive.add(name);
  }

  #onParseError(err: Error): void {
    debug("session %s: parse error: %s", this.conn.id, err.message);
    parseErrorChannel.publish({ sessionId: this.conn.id, error: err });
    this.#onclose("parse error", err);
    this.close();
  }

  #onclose(reason: SessionCloseReason, description?: Error): void {
    if (this.#state === "closed") return;
    this.#state = "closed";
    this.conn.off("message", Client.#onSessionMessage);
    this.conn.off("close", Client.#onSessionClose);
    clearTimeout(this.#connectTimer);
    this.#connectTimer = undefined;
    for (const socket of [...this.#sockets.values()]) socket._onclose(reason, description);
    this.#sockets.clear();
    this.#connecting = undefined;
    this.#decoder.reset();
    this.#server._onClientClose(this);
  }
}
