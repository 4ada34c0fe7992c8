/**
 * The slice of `@switchboard/engine` the server depends on. The server is written against these
 * interfaces, not the engine's classes, so that it can be tested with a session double and so
 * that any engine with this shape (the contract of issue 3) can carry it.
 */
import type { HandshakeRequest } from "@switchboard/engine";

export type { HandshakeRequest };

/** Why an engine session closed. */
export type SessionCloseReason =
  | "transport close"
  | "transport error"
  | "ping timeout"
  | "parse error"
  | "forced close"
  | "server shutting down";

/** The state of an engine session. */
export type SessionState = "opening" | "open" | "closing" | "closed";

/** Data a session accepts for one message. */
export type SessionData = string | Buffer | ArrayBuffer | ArrayBufferView;

/** One engine session (one client connection), as the server sees it. */
export interface EngineSession {
  readonly id: string;
  /** The handshake request, or the snapshot of it the engine kept (headers, url, socket). */
  readonly request: HandshakeRequest;
  readonly transport: { readonly name: string };
  readonly state: SessionState;
  /** True when the transport can take a write now (a `volatile` packet is dropped otherwise). */
  readonly writable: boolean;
  /**
   * Queues a message. `separate`: it ends its write, and what follows leaves in a later one
   * (the CONNECT answer, so that a client reading one message at a time reads it alone).
   */
  send(
    data: SessionData,
    options?: { compress?: boolean; separate?: boolean },
    callback?: () => void,
  ): unknown;
  close(): unknown;
  on(event: "message", listener: (data: string | Buffer) => void): unknown;
  on(event: "close", listener: (reason: SessionCloseReason, description?: Error) => void): unknown;
  off(event: "message", listener: (data: string | Buffer) => void): unknown;
  off(event: "close", listener: (reason: SessionCloseReason, description?: Error) => void): unknown;
}

/** An engine: it announces sessions and can be closed. */
export interface EngineLike {
  on(event: "connection", listener: (session: EngineSession) => void): unknown;
  off(event: "connection", listener: (session: EngineSession) => void): unknown;
  close(): unknown;
  readonly clientsCount: number;
}
