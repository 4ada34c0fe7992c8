/**
 * Event names applications may not emit. On a socket and in broadcasts they are Socket.IO's
 * RESERVED_EVENTS; an incoming EVENT with one of these names is a protocol violation.
 */

/** Names refused by `socket.emit`, broadcasts, and in incoming EVENT packets. */
export const RESERVED_EVENTS: ReadonlySet<string> = new Set([
  "connect",
  "connect_error",
  "disconnect",
  "disconnecting",
  "newListener",
  "removeListener",
]);

/** Names refused by `namespace.serverSideEmit` (they are the namespace's own events). */
export const NAMESPACE_RESERVED_EVENTS: ReadonlySet<string> = new Set([
  "connect",
  "connection",
  "new_namespace",
]);

/** Why a socket disconnected; the strings are Socket.IO's. */
export type DisconnectReason =
  | "transport error"
  | "transport close"
  | "forced close"
  | "ping timeout"
  | "parse error"
  | "server shutting down"
  | "forced server close"
  | "client namespace disconnect"
  | "server namespace disconnect"
  /** The client read slower than the server wrote, past `maxBufferedBytes`. */
  | "slow consumer"
  /** The client sent past the `rateLimit` with `onLimit: "disconnect"`. */
  | "rate limit";

/** Reasons after which the socket's state is kept for connection state recovery. */
export const RECOVERABLE_DISCONNECT_REASONS: ReadonlySet<DisconnectReason> = new Set([
  "transport error",
  "transport close",
  "forced close",
  "ping timeout",
  "server shutting down",
  "forced server close",
  "slow consumer",
]);
