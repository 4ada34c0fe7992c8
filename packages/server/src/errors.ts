/**
 * The server package's error catalogue, declared as every package declares its own
 * (`defineErrors` of @switchboard/protocol). Every error this package throws or hands to a
 * callback is a `ServerError` whose `code` names one entry, or the `BadOptionError` all packages
 * share; the table {@link serverErrors} gives each entry's class.
 */
import { BadOptionError, codesOf, defineErrors, SwitchboardError } from "@switchboard/protocol";

export { BadOptionError, SwitchboardError };

/** The server's catalogue: each entry's default message; its code is `SB_ERR_` + its key. */
export const ServerErrors = defineErrors({
  /** An event name that Socket.IO reserves ("connect", "disconnect", ...) was emitted. */
  RESERVED_EVENT: { message: "a reserved event name was emitted" },
  /** An acknowledgement did not arrive within the `timeout(ms)` given. */
  ACK_TIMEOUT: { message: "operation has timed out" },
  /** A server option out of its range or of the wrong type ({@link BadOptionError}). */
  BAD_OPTION: { message: "an option has an impossible value" },
  /** The client asked for a namespace that does not exist (wire message "Invalid namespace"). */
  INVALID_NAMESPACE: { message: "Invalid namespace" },
  /**
   * A well-formed packet the server may not accept in this state (a second CONNECT, an EVENT
   * before CONNECT, a reserved event name, a CONNECT_ERROR from a client). The connection is
   * closed with the disconnect reason "parse error".
   */
  PROTOCOL_VIOLATION: { message: "a packet the server may not accept in this state" },
  /** `io.engine` was read before the server was attached to or bound to an engine. */
  NOT_ATTACHED: { message: "The server has no engine: call attach() or bind() first" },
  /**
   * A request to the other nodes of a cluster (fetchSockets, serverSideEmit with acks, ...) did
   * not get every expected response within the adapter's `requestsTimeout`.
   */
  CLUSTER_TIMEOUT: { message: "timeout reached while waiting for responses" },
  /** A cluster adapter could not publish to its bus (e.g. Redis unreachable). */
  CLUSTER_PUBLISH: { message: "could not publish to the cluster" },
  /** A cluster adapter closed while a request to the other nodes was still waiting. */
  CLUSTER_CLOSED: { message: "the adapter closed while waiting for responses" },
});

/** Stable codes of every error the server raises: `ServerErrorCode.ACK_TIMEOUT` is `"SB_ERR_ACK_TIMEOUT"`. */
export const ServerErrorCode = codesOf(ServerErrors);

/** One of the codes in {@link ServerErrorCode}. */
export type ServerErrorCode = (typeof ServerErrorCode)[keyof typeof ServerErrorCode];

/** Base class of every error raised by `@switchboard/server` (bad options: {@link BadOptionError}). */
export class ServerError extends SwitchboardError {
  override readonly name: string = "ServerError";
  /** Stable machine-readable code, one of this catalogue's (`SB_ERR_` + its key). */
  declare readonly code: ServerErrorCode;

  constructor(code: ServerErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
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

/**
 * A cluster request timed out. The message starts as Socket.IO's adapters' ("timeout reached"),
 * which applications match on; `received` and `expected` count the responses.
 */
export class ClusterTimeoutError extends ServerError {
  override readonly name = "ClusterTimeoutError";
  readonly received: number;
  readonly expected: number;
  constructor(what: string, received: number, expected: number) {
    const outOf = Number.isNaN(expected)
      ? " (the number of servers is unknown: is the bus reachable?)"
      : ` out of ${expected}`;
    super(
      ServerErrorCode.CLUSTER_TIMEOUT,
      `timeout reached while waiting for ${what} responses: only ${received} responses received${outOf}`,
    );
    this.received = received;
    this.expected = expected;
  }
}

/** Publishing to the cluster's bus failed; `cause` is the bus client's error. */
export class ClusterPublishError extends ServerError {
  override readonly name = "ClusterPublishError";
  constructor(what: string, cause?: unknown) {
    const reason = cause instanceof Error ? `: ${cause.message}` : "";
    super(ServerErrorCode.CLUSTER_PUBLISH, `could not publish ${what} to the cluster${reason}`, {
      cause,
    });
  }
}

/** The adapter closed with a request still waiting for the other nodes. */
export class ClusterClosedError extends ServerError {
  override readonly name = "ClusterClosedError";
  constructor(what: string) {
    super(ServerErrorCode.CLUSTER_CLOSED, `the adapter closed while waiting for ${what} responses`);
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
  {
    name: "ClusterTimeoutError",
    code: ServerErrorCode.CLUSTER_TIMEOUT,
    make: () => new ClusterTimeoutError("fetchSockets", 0, 1),
  },
  {
    name: "ClusterPublishError",
    code: ServerErrorCode.CLUSTER_PUBLISH,
    make: () => new ClusterPublishError("a broadcast"),
  },
  {
    name: "ClusterClosedError",
    code: ServerErrorCode.CLUSTER_CLOSED,
    make: () => new ClusterClosedError("fetchSockets"),
  },
] as const satisfies readonly {
  name: string;
  code: ServerErrorCode;
  make: () => ServerError | BadOptionError;
}[];
