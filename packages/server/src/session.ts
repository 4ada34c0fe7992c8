/**
 * The slice of `@switchboard/engine` the server depends on. The server is written against these
 * interfaces, not the engine's classes, so that it can be tested with a session double and so
 * that any engine with this shape can carry it. The types of what crosses the boundary (close
 * reasons, states, data) are the engine's own.
 */
import type {
  HandshakeRequest,
  SendData,
  SessionCloseReason,
  SessionState,
} from "@switchboard/engine";

export type { HandshakeRequest, SessionCloseReason, SessionState };

/** Data a session accepts for one message. */
export type SessionData = SendData;

/** One engine session (one client connection), as the server sees it. */
export interface EngineSession {
  readonly id: string;
  /** The handshake request, or the snapshot of it the engine kept (headers, url, socket). */
  readonly request: HandshakeRequest;
  readonly transport: { readonly name: string };
  readonly state: SessionState;
  /** True when the transport can take a write now (a `volatile` packet is dropped otherwise). */
  readonly writable: boolean;
  /** Bytes sent and not yet handed to the operating system (queue and transport). */
  readonly bufferedAmount: number;
  /**
   * Queues a message. `separate`: it ends its write, and what follows leaves in a later one
   * (the CONNECT answer, so that a client reading one message at a time reads it alone).
   */
  send(
    data: SessionData,
    options?: { compress?: boolean; separate?: boolean },
    callback?: () => void,
  ): unknown;
  /** Closes; with `discard`, at once, dropping what is still buffered. */
  close(discard?: boolean): unknown;
  /** Stops reading from the peer until `resume()`. */
  pause(): void;
  /** Reads from the peer again. */
  resume(): void;
  on(event: "message", listener: (data: string | Buffer) => void): unknown;
  on(event: "close", listener: (reason: SessionCloseReason, description?: Error) => void): unknown;
  on(event: "drain" | "heartbeat", listener: () => void): unknown;
  /** "upgrading": a probe succeeded; "upgrade": the session moved to `transport`. */
  on(event: "upgrading" | "upgrade", listener: (transport: SessionTransportInfo) => void): unknown;
  /** Every engine packet received ("packet") or queued ("packetCreate"). */
  on(event: "packet" | "packetCreate", listener: (packet: SessionPacketInfo) => void): unknown;
  /** The same events, heard once (`socket.conn.once("upgrade", ...)`). */
  once(event: "message", listener: (data: string | Buffer) => void): unknown;
  once(
    event: "close",
    listener: (reason: SessionCloseReason, description?: Error) => void,
  ): unknown;
  once(event: "drain" | "heartbeat", listener: () => void): unknown;
  once(
    event: "upgrading" | "upgrade",
    listener: (transport: SessionTransportInfo) => void,
  ): unknown;
  once(event: "packet" | "packetCreate", listener: (packet: SessionPacketInfo) => void): unknown;
  off(event: "message", listener: (data: string | Buffer) => void): unknown;
  off(event: "close", listener: (reason: SessionCloseReason, description?: Error) => void): unknown;
  off(event: "drain" | "heartbeat", listener: () => void): unknown;
  off(event: "upgrading" | "upgrade", listener: (transport: SessionTransportInfo) => void): unknown;
  off(event: "packet" | "packetCreate", listener: (packet: SessionPacketInfo) => void): unknown;
}

/** A transport as a session's "upgrade" events give it. */
export interface SessionTransportInfo {
  /** "polling", "websocket", "sse", "jsonp" or "htmlfile". */
  readonly name: string;
}

/** An engine packet as a session's "packet" events give it. */
export interface SessionPacketInfo {
  /** "open", "close", "ping", "pong", "message", "upgrade" or "noop". */
  readonly type: string;
  /** The packet's payload, if it has one. */
  readonly data?: unknown;
}

/** An engine: it announces sessions and can be closed. */
export interface EngineLike {
  on(event: "connection", listener: (session: EngineSession) => void): unknown;
  off(event: "connection", listener: (session: EngineSession) => void): unknown;
  close(): unknown;
  readonly clientsCount: number;
}
