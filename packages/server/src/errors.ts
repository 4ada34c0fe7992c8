/**
 * The server package's error catalogue. Every error this package throws or hands to a callback
 * is a `ServerError` whose `code` names one entry of {@link ServerErrorCode}; the table
 * {@link serverErrors} gives each entry's class name and default message.
 */

/** Stable codes of every error the server raises. */
export const ServerErrorCode = {
  /** An event name that Socket.IO reserves ("connect", "disconnect", ...) was emitted. */
  RESERVED_EVENT: "SB_ERR_RESERVED_EVENT",
  /** An acknowledgement did not arrive within the `timeout(ms)` given. */
  ACK_TIMEOUT: "SB_ERR_ACK_TIMEOUT",
  /** A server option out of its range or of the wrong type. */
  BAD_OPTION: "SB_ERR_BAD_OPTION",
  /** The client asked for a namespace that does not exist (wire message "Invalid namespace"). */
  INVALID_NAMESPACE: "SB_ERR_INVALID_NAMESPACE",
  /**
   * A well-formed packet the server may not accept in this state (a second CONNECT, an EVENT
   * before CONNECT, a reserved event name, a CONNECT_ERROR from a client). The connection is
   * closed with the disconnect reason "parse error".
   */
  PROTOCOL_VIOLATION: "SB_ERR_PROTOCOL_VIOLATION",
  /** `io.engine` was read before the server was attached to or bound to an engine. */
  NOT_ATTACHED: "SB_ERR_NOT_ATTACHED",
} as const;

/** One of the codes in {@link ServerErrorCode}. */
export type ServerErrorCode = (typeof ServerErrorCode)[keyof typeof ServerErrorCode];

/** Base class of every error raised by `@switchboard/server`. */
export class ServerError extends Error {
  override readonly name: string = "ServerError";
  /** Stable machine-readable code, e.g. `SB_ERR_ACK_TIMEOUT`. */
  readonly code: ServerErrorCode;

  constructor(code: ServerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** An emit used a reserved event name. */
export class ReservedEventError extends ServerError {
  override readonly name = "ReservedEventError";
  constructor(event: string) {
    super(ServerErrorCode.RESERVED_EVENT, `"${event}" is a reserved event name`);
  }
}

/** An acknowledgement timed out. The message is Socket.IO's, which applications match on. */
export class AckTimeoutError extends ServerError {
  override readonly name = "AckTimeoutError";
  constructor() {
    super(ServerErrorCode.ACK_TIMEOUT, "operation has timed out");
  }
}

/** A server option was invalid. */
export class BadOptionError extends ServerError {
  override readonly name = "BadOptionError";
  constructor(message: string) {
    super(ServerErrorCode.BAD_OPTION, message);
  }
}

/** The namespace asked for does not exist. The message is the one sent on the wire. */
export class InvalidNamespaceError extends ServerError {
  override readonly name = "InvalidNamespaceError";
  constructor() {
    super(ServerErrorCode.INVALID_NAMESPACE, "Invalid namespace");
  }
}

/** A packet that breaks the Socket.IO v5 exchange rules; it closes the connection. */
export class ProtocolViolationError extends ServerError {
  override readonly name = "ProtocolViolationError";
  constructor(message: string) {
    super(ServerErrorCode.PROTOCOL_VIOLATION, message);
  }
}

/** The server has no engine yet. */
export class NotAttachedError extends ServerError {
  override readonly name = "NotAttachedError";
  constructor() {
    super(ServerErrorCode.NOT_ATTACHED, "The server has no engine: call attach() or bind() first");
  }
}

/** Every catalogue entry: its class, its code and the name its instances carry. */
export const serverErrors = [
  {
    name: "ReservedEventError",
    code: ServerErrorCode.RESERVED_EVENT,
    make: () => new ReservedEventError("connect"),
  },
  { name: "AckTimeoutError", code: ServerErrorCode.ACK_TIMEOUT, make: () => new AckTimeoutError() },
  { name: "BadOptionError", code: ServerErrorCode.BAD_OPTION, make: () => new BadOptionError("x") },
  {
    name: "InvalidNamespaceError",
    code: ServerErrorCode.INVALID_NAMESPACE,
    make: () => new InvalidNamespaceError(),
  },
  {
    name: "ProtocolViolationError",
    code: ServerErrorCode.PROTOCOL_VIOLATION,
    make: () => new ProtocolViolationError("x"),
  },
  {
    name: "NotAttachedError",
    code: ServerErrorCode.NOT_ATTACHED,
    make: () => new NotAttachedError(),
  },
] as const satisfies readonly { name: string; code: ServerErrorCode; make: () => ServerError }[];
