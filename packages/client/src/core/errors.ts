/**
 * The client's error catalogue. Every error the client hands to an application is a
 * `ClientError` whose `code` names one entry of {@link ClientErrorCode}. Messages that
 * Socket.IO applications test for ("timeout", "operation has timed out", …) are kept.
 */

/** Stable codes of the client's errors, with the message each carries. */
export const ClientErrorCode = {
  /** The manager's `timeout` passed before the connection opened. */
  CONNECT_TIMEOUT: "SB_ERR_CONNECT_TIMEOUT",
  /** Every transport of the ladder failed to open. */
  TRANSPORTS_EXHAUSTED: "SB_ERR_TRANSPORTS_EXHAUSTED",
  /** A transport failed (an HTTP error, a socket error, a stalled stream). */
  TRANSPORT_ERROR: "SB_ERR_TRANSPORT_ERROR",
  /** The server refused the namespace connection (its middleware called `next(err)`). */
  CONNECT_REFUSED: "SB_ERR_CONNECT_REFUSED",
  /** An acknowledgement did not arrive in time. */
  ACK_TIMEOUT: "SB_ERR_ACK_TIMEOUT",
  /** The socket disconnected while an acknowledgement was awaited. */
  DISCONNECTED: "SB_ERR_DISCONNECTED",
  /** The application tried to emit one of the reserved event names. */
  RESERVED_EVENT: "SB_ERR_RESERVED_EVENT",
  /** An option out of its range. */
  BAD_OPTION: "SB_ERR_BAD_OPTION",
  /** A packet from the server could not be decoded. */
  PARSE_ERROR: "SB_ERR_PARSE_ERROR",
} as const;

/** One of the codes in {@link ClientErrorCode}. */
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

/** Default message of each code. */
export const clientErrorMessages: Readonly<Record<ClientErrorCode, string>> = Object.freeze({
  SB_ERR_CONNECT_TIMEOUT: "timeout",
  SB_ERR_TRANSPORTS_EXHAUSTED: "no transport could connect",
  SB_ERR_TRANSPORT_ERROR: "transport error",
  SB_ERR_CONNECT_REFUSED: "connection refused by the server",
  SB_ERR_ACK_TIMEOUT: "operation has timed out",
  SB_ERR_DISCONNECTED: "socket has been disconnected",
  SB_ERR_RESERVED_EVENT: "reserved event name",
  SB_ERR_BAD_OPTION: "invalid option",
  SB_ERR_PARSE_ERROR: "parse error",
});

/** An error raised by the client. */
export class ClientError extends Error {
  override readonly name = "ClientError";
  /** Stable machine-readable code, e.g. `SB_ERR_ACK_TIMEOUT`. */
  readonly code: ClientErrorCode;
  /** Extra data: the server's `data` for a refused connection, the failed transports, … */
  data?: unknown;
  /** Socket.IO compatibility: `"TransportError"` for transport failures. */
  type?: string;
  /** The transport or request that failed, when there is one. */
  description?: unknown;

  constructor(code: ClientErrorCode, message?: string, options?: { cause?: unknown }) {
    super(message ?? clientErrorMessages[code], options);
    this.code = code;
  }
}

/** A transport failure: `type` "TransportError" and a description, as Engine.IO's client. */
export function transportError(message: string, description?: unknown): ClientError {
  const error = new ClientError(ClientErrorCode.TRANSPORT_ERROR, message);
  error.type = "TransportError";
  error.description = description;
  return error;
}
