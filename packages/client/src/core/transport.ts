/**
 * The one interface every client transport implements. The engine client never branches on a
 * transport's name: it creates transports through their factory, feeds them packets and
 * listens to the five callbacks of {@link TransportHandlers}.
 */
import type { BinaryType, EnginePacket } from "@switchboard/protocol";
import type { NodeOnlyOptions } from "./node-options.js";

/** Names of the transports, as the `transports` option spells them. */
export type TransportName = "websocket" | "polling" | "sse" | "jsonp" | "htmlfile";

/** What a transport needs from the engine client. */
export interface TransportContext {
  /**
   * The URL of a request for this transport: scheme `http(s)` (a WebSocket swaps it for
   * `ws(s)`), the path, `EIO=4`, `transport`, the session id once known, the user's query and
   * `extra` parameters.
   */
  url(extra?: Record<string, string>): string;
  /** Headers to send (Node; browsers ignore what they may not set). */
  readonly extraHeaders: Readonly<Record<string, string>>;
  /** Send cookies cross-site. */
  readonly withCredentials: boolean;
  /** Add a cache-busting parameter to each request. */
  readonly timestampRequests: boolean;
  /** Its name. */
  readonly timestampParam: string;
  /** How received binary data is handed out. */
  readonly binaryType: BinaryType;
  /** Node's options: agent, TLS, local address, permessage-deflate, forceBase64 (empty in browsers). */
  readonly node: Readonly<NodeOnlyOptions>;
  /**
   * A WebSocket handshake's mark for a Switchboard server when polling is the next rung
   * (`fallback=polling` and the polling handshake's `upgrades`): should a proxy drop `Upgrade`,
   * the server answers the plain GET with polling's open packet. Set in Node only (a browser
   * cannot read that answer); see {@link preopened}.
   */
  readonly fallback?: Readonly<Record<string, string>>;
  /**
   * The answer a marked WebSocket handshake got instead (a polling payload with the open
   * packet): polling starts with it in place of its own handshake GET.
   */
  readonly preopened?: string;
}

/**
 * Callbacks a transport calls; the engine client provides them. It may replace the functions
 * of the object it handed over when the transport changes hands (a rung of the ladder or a
 * probe, then the session): call them through that object (`handlers.onPacket(p)`), never
 * keep one apart. After `close()` a transport calls none of them.
 */
export interface TransportHandlers {
  /** The channel is ready to carry packets (for a new session: the open packet will follow). */
  onOpen(): void;
  /** One decoded packet arrived. */
  onPacket(packet: EnginePacket): void;
  /** Everything handed to `send` has been written; the transport accepts more. */
  onDrain(): void;
  /** The transport failed; it is closed and will call nothing more. */
  onError(error: Error): void;
  /** The transport closed without an error (the server ended it). */
  onClose(): void;
}

/** One live transport. */
export interface ClientTransport {
  /** The name of its kind. */
  readonly name: TransportName;
  /** Sends packets; call only after `onOpen` and between drains (one batch at a time). */
  send(packets: EnginePacket[]): void;
  /**
   * A probe (`2probe`) went out on another transport: from now on a `noop` is the server's last
   * packet on this one's down channel (it ends a pending poll or a stream with one when it
   * answers the probe), even when it arrives before `3probe` does.
   */
  probeSent(): void;
  /**
   * Stops receiving for an upgrade: calls `done` once no request is in flight, no write is
   * pending and the down channel delivered its last packet.
   */
  pause(done: () => void): void;
  /** The probe failed: receives (polls, streams) and sends again as before `probeSent`. */
  resume(): void;
  /** Closes it: writes already handed to `send` still go out; no handler is called after. */
  close(): void;
}

/** Creates transports of one kind. */
export interface TransportFactory {
  /** The name the `transports` option uses. */
  readonly transportName: TransportName;
  /** Opens a transport now. */
  create(context: TransportContext, handlers: TransportHandlers): ClientTransport;
}
