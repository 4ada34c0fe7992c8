/**
 * The protocol package's error catalogue. Every failure of a codec is a `ProtocolError` whose
 * `code` names one entry here; nothing else is ever thrown for bad input.
 */

/** Stable codes of every error the codecs throw. */
export const ProtocolErrorCode = {
  /** An engine packet whose type is not one of the seven of Engine.IO v4. */
  UNKNOWN_ENGINE_PACKET: "SB_ERR_UNKNOWN_ENGINE_PACKET",
  /** An empty string where an engine packet was expected. */
  EMPTY_PACKET: "SB_ERR_EMPTY_PACKET",
  /** A Blob must be read asynchronously before it can be base64-encoded. */
  BLOB_NEEDS_ASYNC: "SB_ERR_BLOB_NEEDS_ASYNC",
  /** A socket packet whose type digit is not 0–6. */
  UNKNOWN_SOCKET_PACKET: "SB_ERR_UNKNOWN_SOCKET_PACKET",
  /** A malformed header: attachment count, namespace or ack id. */
  BAD_PACKET_HEADER: "SB_ERR_BAD_PACKET_HEADER",
  /** The JSON payload could not be parsed. */
  BAD_JSON: "SB_ERR_BAD_JSON",
  /** The payload does not have the shape its packet type requires. */
  BAD_PAYLOAD: "SB_ERR_BAD_PAYLOAD",
  /** More attachments announced than `maxAttachments` allows. */
  TOO_MANY_ATTACHMENTS: "SB_ERR_TOO_MANY_ATTACHMENTS",
  /** The payload nests deeper than `maxDepth` allows. */
  TOO_DEEP: "SB_ERR_TOO_DEEP",
  /** A binary placeholder that points at no announced attachment. */
  BAD_PLACEHOLDER: "SB_ERR_BAD_PLACEHOLDER",
  /** A binary chunk arrived while no binary packet was waiting for one. */
  UNEXPECTED_ATTACHMENT: "SB_ERR_UNEXPECTED_ATTACHMENT",
  /** A text packet arrived while a binary packet still waited for attachments. */
  MISSING_ATTACHMENT: "SB_ERR_MISSING_ATTACHMENT",
  /** A value the encoder cannot put on the wire (bad namespace, bad ack id, bad type). */
  UNENCODABLE: "SB_ERR_UNENCODABLE",
  /** A codec option out of its range. */
  BAD_OPTION: "SB_ERR_BAD_OPTION",
} as const;

/** One of the codes in {@link ProtocolErrorCode}. */
export type ProtocolErrorCode = (typeof ProtocolErrorCode)[keyof typeof ProtocolErrorCode];

/** Thrown by every codec in this package for input it cannot accept. */
export class ProtocolError extends Error {
  override readonly name = "ProtocolError";
  /** Stable machine-readable code, e.g. `SB_ERR_BAD_JSON`. */
  readonly code: ProtocolErrorCode;

  constructor(code: ProtocolErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** True when `value` is a {@link ProtocolError}. */
export function isProtocolError(value: unknown): value is ProtocolError {
  return value instanceof ProtocolError;
}
