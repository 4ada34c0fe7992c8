/**
 * Socket.IO v5 packets: the types, the limits and the per-type payload rules shared by the
 * encoder (socket-encoder.ts) and the decoder (socket-decoder.ts).
 * Spec: https://github.com/socketio/socket.io-protocol (v5), "Exchange protocol" and "Packet
 * encoding".
 */
import type { BinaryData } from "./bytes.js";
import { BadOptionError, type ProtocolError, protocolError } from "./errors.js";

/** Socket packet types and their wire digits. */
export const SocketPacketType = {
  CONNECT: 0,
  DISCONNECT: 1,
  EVENT: 2,
  ACK: 3,
  CONNECT_ERROR: 4,
  BINARY_EVENT: 5,
  BINARY_ACK: 6,
} as const;

/** One of the values of {@link SocketPacketType}. */
export type SocketPacketType = (typeof SocketPacketType)[keyof typeof SocketPacketType];

/** One Socket.IO packet, as the layers above the codec see it. */
export interface SocketPacket {
  /** What the packet is: CONNECT, DISCONNECT, EVENT, ACK, CONNECT_ERROR or a binary twin. */
  type: SocketPacketType;
  /** Namespace, starting with "/". @default "/" */
  nsp: string;
  /** Acknowledgement id, a non-negative integer. */
  id?: number | undefined;
  /** The payload: its shape depends on the type (see the spec's "Packet types"). */
  data?: unknown;
  /** Number of binary attachments (binary types only; set by the codec). */
  attachments?: number | undefined;
}

/** What one encoded packet becomes: its text part, then one binary frame per attachment. */
export type EncodedSocketPacket = [string, ...BinaryData[]];

/** Limits shared by the encoder and the decoder. */
export interface SocketCodecLimits {
  /**
   * Most binary attachments in one packet. A packet that announces more is refused before any
   * attachment is buffered.
   * @default 10 (as socket.io-parser's)
   */
  maxAttachments?: number;
  /**
   * Deepest nesting of arrays and objects in a payload (the payload itself is depth 1).
   * @default 100
   */
  maxDepth?: number;
}

/** Default limits, frozen. Internal helpers below are not exported from the package. */
export const defaultSocketCodecLimits: Readonly<Required<SocketCodecLimits>> = Object.freeze({
  maxAttachments: 10,
  maxDepth: 100,
});

/**
 * Merges `options` over the defaults and checks them; never mutates `options`. Options that set
 * nothing (a server's default `{}`) give the shared default object: no copy per decoder.
 * @throws BadOptionError (`SB_ERR_BAD_OPTION`) for a limit that is not a positive integer
 */
export function resolveLimits(options: SocketCodecLimits | undefined): Required<SocketCodecLimits> {
  if (options?.maxAttachments === undefined && options?.maxDepth === undefined) {
    return defaultSocketCodecLimits;
  }
  return Object.freeze({
    maxAttachments: checkLimit(
      "maxAttachments",
      options.maxAttachments ?? defaultSocketCodecLimits.maxAttachments,
    ),
    maxDepth: checkLimit("maxDepth", options.maxDepth ?? defaultSocketCodecLimits.maxDepth),
  });
}

/**
 * `value` if it is a positive safe integer.
 * @throws BadOptionError (`SB_ERR_BAD_OPTION`) otherwise, naming the option
 */
export function checkLimit(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new BadOptionError(`invalid option ${name}: ${String(value)} (a positive integer)`);
  }
  return value;
}

/** Sets an own property, also for "__proto__", without ever touching a prototype. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Whether `data` (and `id`) have the shape packets of `type` require (socket.io-protocol v5,
 * "Exchange protocol"): only EVENT asks for an ack and only ACK answers one. `decoding` also
 * accepts what socket.io-parser 4 accepts from a peer though no encoder of this project writes
 * it: a CONNECT_ERROR whose payload is a string, as Socket.IO v4 servers and python-socketio 5
 * send (`44/admin,"Unable to connect"`).
 */
export function isValidPayload(
  type: SocketPacketType,
  data: unknown,
  id: number | undefined,
  decoding = false,
): boolean {
  // The codecs use the wire digits of SocketPacketType: they are the protocol, and literals
  // keep the browser bundle from looking each one up by name.
  switch (type) {
    case 0: // CONNECT
      return (data === undefined || isPlainObject(data)) && id === undefined;
    case 1: // DISCONNECT
      return data === undefined && id === undefined;
    case 2: // EVENT
    case 5: // BINARY_EVENT
      return Array.isArray(data) && typeof data[0] === "string";
    case 3: // ACK
    case 6: // BINARY_ACK
      return Array.isArray(data) && id !== undefined;
    default: // CONNECT_ERROR
      return (isPlainObject(data) || (decoding && typeof data === "string")) && id === undefined;
  }
}

/** The rule {@link isValidPayload} applies to each type, in short, for error messages. */
const rules = [
  "object or nothing, no ack id",
  "nothing",
  "[event name, ...]",
  "array and ack id",
  "object, no ack id",
];

/**
 * The error for a packet of `type` whose payload or ack id breaks its rule: `BAD_PAYLOAD` when
 * decoding, `UNENCODABLE` when encoding.
 */
export function payloadError(
  key: "BAD_PAYLOAD" | "UNENCODABLE",
  type: SocketPacketType,
): ProtocolError {
  // The binary types (5, 6) follow the rules of EVENT and ACK (2, 3).
  return protocolError(key, `type ${type} takes ${rules[type > 4 ? type - 3 : type]}`);
}
