/**
 * Errors, one shape for every package: a {@link SwitchboardError} has a stable `code`
 * (`SB_ERR_` + its catalogue key) beside its message, and each package declares its catalogue
 * the same way, each entry with its default message and, where it refuses an HTTP request,
 * Engine.IO's numeric code and the HTTP status ({@link ErrorEntry}). One class serves every
 * package for options with impossible values: {@link BadOptionError}.
 *
 * Then the protocol package's own catalogue: every failure of a codec is a `ProtocolError` whose
 * `code` names one entry here; nothing else is ever thrown for bad input.
 */

/** Base class of every error a Switchboard package raises. */
export class SwitchboardError extends Error {
  /** Stable machine-readable code, `SB_ERR_` + the catalogue key, e.g. `SB_ERR_BAD_JSON`. */
  declare readonly code: `SB_ERR_${string}`;

  constructor(code: `SB_ERR_${string}`, message: string, options?: { cause?: unknown }) {
    super(message, options);
    (this as { code: string }).code = code;
  }
}

/** An option with an impossible value, in any package (`SB_ERR_BAD_OPTION`); the message names it. */
export class BadOptionError extends SwitchboardError {
  /** Always `"BadOptionError"`. */
  override readonly name = "BadOptionError";
  /** Stable machine-readable code, one of this catalogue's (`SB_ERR_` + its key). */
  declare readonly code: "SB_ERR_BAD_OPTION";

  constructor(message: string) {
    super("SB_ERR_BAD_OPTION", message);
  }
}

/** One catalogue entry, as every package declares it. */
export interface ErrorEntry {
  /** The default human-readable message. */
  readonly message: string;
  /** Engine.IO's numeric error code, for an entry that refuses an HTTP request. */
  readonly engineCode?: number;
  /** The HTTP status of that refusal. */
  readonly status?: number;
}

/** A declared catalogue: each entry with its `code`, `SB_ERR_` + its key. */
export type ErrorCatalogue<C extends Record<string, ErrorEntry>> = {
  readonly [K in keyof C & string]: ErrorEntry & C[K] & { readonly code: `SB_ERR_${K}` };
};

/** Declares a package's catalogue: adds each entry's code (`SB_ERR_` + key) and freezes it. */
export function defineErrors<const C extends Record<string, ErrorEntry>>(
  entries: C,
): ErrorCatalogue<C> {
  const out: Record<string, ErrorEntry & { code: string }> = {};
  for (const key of Object.keys(entries)) {
    out[key] = Object.freeze({ ...entries[key], code: `SB_ERR_${key}` }) as ErrorEntry & {
      code: string;
    };
  }
  return Object.freeze(out) as ErrorCatalogue<C>;
}

/** The codes of a catalogue by key: `codesOf(c).BAD_JSON` is `"SB_ERR_BAD_JSON"`. */
export function codesOf<C extends Record<string, ErrorEntry>>(
  catalogue: ErrorCatalogue<C>,
): { readonly [K in keyof C & string]: `SB_ERR_${K}` } {
  return Object.freeze(
    Object.fromEntries(Object.entries(catalogue).map(([key, entry]) => [key, entry.code])),
  ) as { readonly [K in keyof C & string]: `SB_ERR_${K}` };
}

/**
 * The catalogue, as documentation: each key, its code (`SB_ERR_` + key) and when it is thrown.
 * Unlike the other packages' catalogues (declared with {@link defineErrors}), this one is in the
 * browser bundle: its messages are the keys in words and the object is built from the keys at
 * load time, so the bundle carries each key once instead of the key, its code and a message.
 */
interface ProtocolErrorCodes {
  /** An engine packet whose type is not one of the seven of Engine.IO v4. */
  readonly UNKNOWN_ENGINE_PACKET: "SB_ERR_UNKNOWN_ENGINE_PACKET";
  /** An empty string where an engine packet was expected. */
  readonly EMPTY_PACKET: "SB_ERR_EMPTY_PACKET";
  /** A Blob must be read asynchronously before it can be base64-encoded. */
  readonly BLOB_NEEDS_ASYNC: "SB_ERR_BLOB_NEEDS_ASYNC";
  /** A socket packet whose type digit is not 0–6. */
  readonly UNKNOWN_SOCKET_PACKET: "SB_ERR_UNKNOWN_SOCKET_PACKET";
  /** A malformed header: attachment count, namespace or ack id. */
  readonly BAD_PACKET_HEADER: "SB_ERR_BAD_PACKET_HEADER";
  /** The JSON payload could not be parsed. */
  readonly BAD_JSON: "SB_ERR_BAD_JSON";
  /** The payload does not have the shape its packet type requires. */
  readonly BAD_PAYLOAD: "SB_ERR_BAD_PAYLOAD";
  /** More attachments announced than `maxAttachments` allows. */
  readonly TOO_MANY_ATTACHMENTS: "SB_ERR_TOO_MANY_ATTACHMENTS";
  /** The payload nests deeper than `maxDepth` allows. */
  readonly TOO_DEEP: "SB_ERR_TOO_DEEP";
  /** A binary placeholder that points at no announced attachment. */
  readonly BAD_PLACEHOLDER: "SB_ERR_BAD_PLACEHOLDER";
  /** A binary chunk arrived while no binary packet was waiting for one. */
  readonly UNEXPECTED_ATTACHMENT: "SB_ERR_UNEXPECTED_ATTACHMENT";
  /** A text packet arrived while a binary packet still waited for attachments. */
  readonly MISSING_ATTACHMENT: "SB_ERR_MISSING_ATTACHMENT";
  /** A value the encoder cannot put on the wire (bad namespace, bad ack id, bad type). */
  readonly UNENCODABLE: "SB_ERR_UNENCODABLE";
}

/** Every key of the catalogue, once (the compiler checks that none is missing or unknown). */
const keys = {
  UNKNOWN_ENGINE_PACKET: 0,
  EMPTY_PACKET: 0,
  BLOB_NEEDS_ASYNC: 0,
  UNKNOWN_SOCKET_PACKET: 0,
  BAD_PACKET_HEADER: 0,
  BAD_JSON: 0,
  BAD_PAYLOAD: 0,
  TOO_MANY_ATTACHMENTS: 0,
  TOO_DEEP: 0,
  BAD_PLACEHOLDER: 0,
  UNEXPECTED_ATTACHMENT: 0,
  MISSING_ATTACHMENT: 0,
  UNENCODABLE: 0,
} satisfies Record<keyof ProtocolErrorCodes, 0>;

/** Stable codes of every error the codecs throw (frozen): `ProtocolErrorCode.BAD_JSON` is `"SB_ERR_BAD_JSON"`. */
export const ProtocolErrorCode: ProtocolErrorCodes = Object.freeze(
  // Each value is "SB_ERR_" + its key: what ProtocolErrorCodes spells out (the test checks).
  Object.fromEntries(Object.keys(keys).map((key) => [key, `SB_ERR_${key}`])),
) as unknown as ProtocolErrorCodes;

/** One of the codes in {@link ProtocolErrorCode}. */
export type ProtocolErrorCode = ProtocolErrorCodes[keyof ProtocolErrorCodes];

/** Thrown by every codec in this package for input it cannot accept. */
export class ProtocolError extends SwitchboardError {
  /** Always `"ProtocolError"`. */
  override readonly name = "ProtocolError";
  /** Stable machine-readable code, one of this catalogue's (`SB_ERR_` + its key). */
  declare readonly code: ProtocolErrorCode;
  /**
   * Set by the decoder when only one packet is bad and the stream is intact: the namespace
   * that packet was for. Its header was read and the decoder is ready for the next packet, so
   * a peer may refuse this packet alone and keep the other namespaces of the connection open.
   * Undefined when the stream itself cannot be read any further.
   */
  declare nsp?: string;

  // No constructor of its own: SwitchboardError's `(code, message, options)`, a few bytes less in
  // the browser bundle; `protocolError()` is how the codecs build one.
}

/** True when `value` is a {@link ProtocolError}. */
export function isProtocolError(value: unknown): value is ProtocolError {
  return value instanceof ProtocolError;
}

/**
 * A {@link ProtocolError} for the catalogue entry `key`, whose message is the key in words
 * (`BAD_JSON` → "bad json"), then what was wrong when there is more to say. Internal: one
 * short way to throw for every codec, instead of a sentence per call site in the bundle.
 */
export function protocolError(
  key: keyof ProtocolErrorCodes,
  detail?: string,
  cause?: unknown,
): ProtocolError {
  const words = key.toLowerCase().replaceAll("_", " ");
  return new ProtocolError(
    ProtocolErrorCode[key],
    detail === undefined ? words : `${words}: ${detail}`,
    cause === undefined ? undefined : { cause },
  );
}
