/**
 * The engine's error catalogue. Every refusal of a request and every failure that closes a
 * session is an {@link EngineError} naming one entry here. Entries that answer an HTTP request
 * carry Engine.IO's numeric code (the `code` of the JSON error body, see the Engine.IO v4
 * server's `Server.errors`) and the HTTP status; the others carry neither.
 */

import { defineErrors, type ErrorEntry, SwitchboardError } from "@switchboard/protocol";

/** Engine.IO's numeric error codes, as sent in the JSON body `{ code, message }`. */
export const EngineIoErrorCode = {
  UNKNOWN_TRANSPORT: 0,
  UNKNOWN_SID: 1,
  BAD_HANDSHAKE_METHOD: 2,
  BAD_REQUEST: 3,
  FORBIDDEN: 4,
  UNSUPPORTED_PROTOCOL_VERSION: 5,
} as const;

/** One of Engine.IO's numeric error codes. */
export type EngineIoErrorCode = (typeof EngineIoErrorCode)[keyof typeof EngineIoErrorCode];

/** Engine.IO's message for each numeric code, indexed by the code. */
export const engineIoErrorMessages: Readonly<Record<EngineIoErrorCode, string>> = Object.freeze({
  0: "Transport unknown",
  1: "Session ID unknown",
  2: "Bad handshake method",
  3: "Bad request",
  4: "Forbidden",
  5: "Unsupported protocol version",
});

/** One catalogue entry: the shape every package declares its entries in. */
export type EngineErrorEntry = ErrorEntry & {
  /** Stable machine-readable code, `SB_ERR_` + the entry's key. */
  readonly code: `SB_ERR_${string}`;
};

/** A refusal of an HTTP request: Engine.IO's numeric code and the HTTP status with the message. */
function refusal(message: string, engineCode: EngineIoErrorCode, status: number) {
  return { message, engineCode, status };
}

/** Every error the engine reports, by name. */
export const EngineErrors = defineErrors({
  // Refusals of an HTTP request (handshake, poll, POST, upgrade), with Engine.IO's codes.
  UNKNOWN_TRANSPORT: refusal("Transport unknown", 0, 400),
  UNKNOWN_SID: refusal("Session ID unknown", 1, 400),
  BAD_HANDSHAKE_METHOD: refusal("Bad handshake method", 2, 400),
  BAD_REQUEST: refusal("Bad request", 3, 400),
  TRANSPORT_MISMATCH: refusal("Bad request", 3, 400),
  UPGRADE_REFUSED: refusal("Bad request", 3, 400),
  POLL_OVERLAP: refusal("Bad request", 3, 400),
  PAYLOAD_TOO_LARGE: refusal("Bad request", 3, 413),
  MIDDLEWARE_FAILURE: refusal("Bad request", 3, 400),
  TRANSPORT_CLOSED: refusal("Bad request", 3, 400),
  FORBIDDEN: refusal("Forbidden", 4, 403),
  ORIGIN_REFUSED: refusal("Forbidden", 4, 403),
  HOST_REFUSED: refusal("Forbidden", 4, 403),
  DRAINING: refusal("Bad request", 3, 503),
  UNSUPPORTED_PROTOCOL_VERSION: refusal("Unsupported protocol version", 5, 400),
  // Causes of a session close (the `description` of the "close" event).
  PARSE_ERROR: { message: "A packet could not be decoded" },
  TRANSPORT_ERROR: { message: "The transport failed" },
  POLL_ABORTED: { message: "A pending poll was closed by the client" },
  UPGRADE_TIMEOUT: { message: "The upgrade did not complete in time" },
  UPGRADE_FAILED: { message: "The upgrade probe failed" },
  // Programming errors.
  BAD_OPTION: { message: "An option has an impossible value" },
  UNSUPPORTED_OPTION: { message: "An option Engine.IO accepts that this engine does not support" },
});

/** The name of one catalogue entry. */
export type EngineErrorName = keyof typeof EngineErrors;
/** One of the stable `SB_ERR_*` codes of the catalogue. */
export type EngineErrorCode = (typeof EngineErrors)[EngineErrorName]["code"];

/** An error from the engine's catalogue. */
export class EngineError extends SwitchboardError {
  override readonly name = "EngineError";
  /** Stable machine-readable code, one of this catalogue's (`SB_ERR_` + its key). */
  declare readonly code: EngineErrorCode;
  /** Engine.IO's numeric code when this error refuses an HTTP request. */
  readonly engineCode: EngineIoErrorCode | undefined;
  /** HTTP status when this error refuses an HTTP request. */
  readonly status: number | undefined;
  /** Details for logs and `connection_error` (e.g. the transport or sid asked for). */
  readonly context: Readonly<Record<string, unknown>>;

  constructor(
    name: EngineErrorName,
    message?: string,
    context: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    const e: EngineErrorEntry = EngineErrors[name];
    super(e.code, message ?? e.message, options);
    this.engineCode = e.engineCode as EngineIoErrorCode | undefined;
    this.status = e.status;
    this.context = Object.freeze({ name, ...context });
  }
}
