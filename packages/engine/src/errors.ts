/**
 * The engine's error catalogue. Every refusal of a request and every failure that closes a
 * session is an {@link EngineError} naming one entry here. Entries that answer an HTTP request
 * carry Engine.IO's numeric code (the `code` of the JSON error body, see the Engine.IO v4
 * server's `Server.errors`) and the HTTP status; the others carry neither.
 */

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

/** One catalogue entry. */
export interface EngineErrorEntry {
  /** Stable machine-readable code, `SB_ERR_` + the entry's key. */
  readonly code: `SB_ERR_${string}`;
  /** Engine.IO's numeric code, for entries that refuse an HTTP request. */
  readonly engineCode?: EngineIoErrorCode;
  /** HTTP status of the refusal, for entries that refuse an HTTP request. */
  readonly status?: number;
  /** Default human-readable message. */
  readonly message: string;
}

function entry<K extends string>(
  key: K,
  message: string,
  engineCode?: EngineIoErrorCode,
  status?: number,
): EngineErrorEntry & { code: `SB_ERR_${K}` } {
  const code = `SB_ERR_${key}` as `SB_ERR_${K}`;
  const out: EngineErrorEntry & { code: `SB_ERR_${K}` } = { code, message };
  if (engineCode !== undefined) Object.assign(out, { engineCode, status });
  return Object.freeze(out);
}

/** Every error the engine reports, by name. */
export const EngineErrors = Object.freeze({
  // Refusals of an HTTP request (handshake, poll, POST, upgrade), with Engine.IO's codes.
  UNKNOWN_TRANSPORT: entry("UNKNOWN_TRANSPORT", "Transport unknown", 0, 400),
  UNKNOWN_SID: entry("UNKNOWN_SID", "Session ID unknown", 1, 400),
  BAD_HANDSHAKE_METHOD: entry("BAD_HANDSHAKE_METHOD", "Bad handshake method", 2, 400),
  BAD_REQUEST: entry("BAD_REQUEST", "Bad request", 3, 400),
  TRANSPORT_MISMATCH: entry("TRANSPORT_MISMATCH", "Bad request", 3, 400),
  UPGRADE_REFUSED: entry("UPGRADE_REFUSED", "Bad request", 3, 400),
  POLL_OVERLAP: entry("POLL_OVERLAP", "Bad request", 3, 400),
  PAYLOAD_TOO_LARGE: entry("PAYLOAD_TOO_LARGE", "Bad request", 3, 413),
  MIDDLEWARE_FAILURE: entry("MIDDLEWARE_FAILURE", "Bad request", 3, 400),
  TRANSPORT_CLOSED: entry("TRANSPORT_CLOSED", "Bad request", 3, 400),
  FORBIDDEN: entry("FORBIDDEN", "Forbidden", 4, 403),
  ORIGIN_REFUSED: entry("ORIGIN_REFUSED", "Forbidden", 4, 403),
  HOST_REFUSED: entry("HOST_REFUSED", "Forbidden", 4, 403),
  DRAINING: entry("DRAINING", "Bad request", 3, 503),
  UNSUPPORTED_PROTOCOL_VERSION: entry(
    "UNSUPPORTED_PROTOCOL_VERSION",
    "Unsupported protocol version",
    5,
    400,
  ),
  // Causes of a session close (the `description` of the "close" event).
  PARSE_ERROR: entry("PARSE_ERROR", "A packet could not be decoded"),
  TRANSPORT_ERROR: entry("TRANSPORT_ERROR", "The transport failed"),
  POLL_ABORTED: entry("POLL_ABORTED", "A pending poll was closed by the client"),
  UPGRADE_TIMEOUT: entry("UPGRADE_TIMEOUT", "The upgrade did not complete in time"),
  UPGRADE_FAILED: entry("UPGRADE_FAILED", "The upgrade probe failed"),
  // Programming errors.
  BAD_OPTION: entry("BAD_OPTION", "An option has an impossible value"),
  UNSUPPORTED_OPTION: entry(
    "UNSUPPORTED_OPTION",
    "An option Engine.IO accepts that this engine does not support",
  ),
});

/** The name of one catalogue entry. */
export type EngineErrorName = keyof typeof EngineErrors;
/** One of the stable `SB_ERR_*` codes of the catalogue. */
export type EngineErrorCode = (typeof EngineErrors)[EngineErrorName]["code"];

/** An error from the engine's catalogue. */
export class EngineError extends Error {
  override readonly name = "EngineError";
  /** Stable code, e.g. `SB_ERR_UNKNOWN_SID`. */
  readonly code: EngineErrorCode;
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
    super(message ?? e.message, options);
    this.code = e.code as EngineErrorCode;
    this.engineCode = e.engineCode;
    this.status = e.status;
    this.context = Object.freeze({ name, ...context });
  }
}
