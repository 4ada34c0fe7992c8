/**
 * Socket.IO v5 packets: encoding with binary deconstruction, and a stateful decoder that
 * rebuilds binary packets from their attachments.
 * Spec: https://github.com/socketio/socket.io-protocol (v5), "Packet format" and "Exchange
 * protocol".
 */
import { type BinaryData, isBinary } from "./binary.js";
import { ProtocolError, ProtocolErrorCode } from "./errors.js";

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
   * @default 64
   */
  maxAttachments?: number;
  /**
   * Deepest nesting of arrays and objects in a payload (the payload itself is depth 1).
   * @default 100
   */
  maxDepth?: number;
}

/** Default limits, frozen. */
export const defaultSocketCodecLimits: Readonly<Required<SocketCodecLimits>> = Object.freeze({
  maxAttachments: 64,
  maxDepth: 100,
});

/**
 * Merges `options` over the defaults and checks them; never mutates `options`.
 * @throws ProtocolError (`SB_ERR_BAD_OPTION`) for a limit that is not a positive integer
 */
function resolveLimits(options: SocketCodecLimits | undefined): Required<SocketCodecLimits> {
  if (options === undefined) return defaultSocketCodecLimits;
  return Object.freeze({
    maxAttachments: checkLimit(
      "maxAttachments",
      options.maxAttachments ?? defaultSocketCodecLimits.maxAttachments,
    ),
    maxDepth: checkLimit("maxDepth", options.maxDepth ?? defaultSocketCodecLimits.maxDepth),
  });
}

function checkLimit(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new ProtocolError(
      ProtocolErrorCode.BAD_OPTION,
      `${name} must be a positive integer, got ${String(value)}`,
    );
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Encoding

/**
 * Encodes a packet. An EVENT or ACK whose data holds binary anywhere becomes a BINARY_EVENT or
 * BINARY_ACK: each binary value is replaced by `{"_placeholder":true,"num":n}` and sent as its own
 * frame after the text part.
 * @throws ProtocolError for a namespace, ack id or payload that cannot be put on the wire
 */
export function encodeSocketPacket(
  packet: SocketPacket,
  limits?: SocketCodecLimits,
): EncodedSocketPacket {
  const maxDepth =
    limits === undefined ? defaultSocketCodecLimits.maxDepth : resolveLimits(limits).maxDepth;
  let type = packet.type;
  const { nsp, id, data } = packet;
  if (!isPacketType(type)) {
    throw new ProtocolError(
      ProtocolErrorCode.UNENCODABLE,
      `Unknown socket packet type ${String(type)}`,
    );
  }
  let attachments: BinaryData[] | undefined;
  let payload = data;
  if (type >= SocketPacketType.EVENT && type !== SocketPacketType.CONNECT_ERROR) {
    // EVENT, ACK and their binary twins: the type on the wire follows the data.
    const isEvent = type === SocketPacketType.EVENT || type === SocketPacketType.BINARY_EVENT;
    const found: BinaryData[] = [];
    payload = deconstruct(data, found, maxDepth, false);
    if (found.length > 0) {
      attachments = found;
      type = isEvent ? SocketPacketType.BINARY_EVENT : SocketPacketType.BINARY_ACK;
    } else {
      type = isEvent ? SocketPacketType.EVENT : SocketPacketType.ACK;
    }
  }
  if (!isValidPayload(type, payload, id)) {
    throw new ProtocolError(
      ProtocolErrorCode.UNENCODABLE,
      `Invalid payload for a packet of type ${type} (${payloadRule(type)})`,
    );
  }
  let str = attachments ? `${type}${attachments.length}-` : String(type);
  if (nsp !== "/" && nsp !== undefined) {
    if (typeof nsp !== "string" || nsp.charCodeAt(0) !== 47 || nsp.includes(",")) {
      throw new ProtocolError(
        ProtocolErrorCode.UNENCODABLE,
        `Invalid namespace ${JSON.stringify(nsp)}: it must start with "/" and hold no ","`,
      );
    }
    str += `${nsp},`;
  }
  if (id !== undefined) {
    if (!Number.isSafeInteger(id) || id < 0) {
      throw new ProtocolError(ProtocolErrorCode.UNENCODABLE, `Invalid ack id ${String(id)}`);
    }
    str += id;
  }
  if (payload !== undefined) {
    let json: string | undefined;
    try {
      json = JSON.stringify(payload);
    } catch (cause) {
      throw new ProtocolError(ProtocolErrorCode.UNENCODABLE, "Payload cannot be serialized", {
        cause,
      });
    }
    if (json !== undefined) str += json;
  }
  const encoded: EncodedSocketPacket = [str];
  if (attachments) for (const attachment of attachments) encoded.push(attachment);
  return encoded;
}

function isPacketType(type: unknown): type is SocketPacketType {
  return typeof type === "number" && type >= 0 && type <= 6 && Number.isInteger(type);
}

/**
 * True when binary data appears anywhere in `value` (arrays, plain objects, toJSON results),
 * looking no deeper than `maxDepth` levels.
 * @throws ProtocolError (`SB_ERR_TOO_DEEP`) when `value` nests deeper (or refers to itself)
 */
export function hasBinary(value: unknown, maxDepth = defaultSocketCodecLimits.maxDepth): boolean {
  return findBinary(value, checkLimit("maxDepth", maxDepth), false);
}

function tooDeepToEncode(): ProtocolError {
  return new ProtocolError(
    ProtocolErrorCode.TOO_DEEP,
    "Payload nests too deeply (or refers to itself) to be encoded",
  );
}

// A binary value at depth d becomes a placeholder object at depth d, so the depth check comes
// before the binary check: the decoder would refuse what this lets through otherwise.
function findBinary(value: unknown, depthLeft: number, viaToJSON: boolean): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (depthLeft === 0) throw tooDeepToEncode();
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (findBinary(value[i], depthLeft - 1, false)) return true;
    }
    return false;
  }
  if (mayBeBinary(value)) return true;
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function" && !viaToJSON) {
    // JSON.stringify calls toJSON once per value; what it returns takes the value's place.
    return findBinary(toJSON.call(value), depthLeft, true);
  }
  for (const key in value) {
    if (
      Object.hasOwn(value, key) &&
      findBinary((value as Record<string, unknown>)[key], depthLeft - 1, false)
    ) {
      return true;
    }
  }
  return false;
}

/**
 * True for binary data, answered cheaply for plain objects (the common case): an object whose
 * prototype is Object.prototype or null is never binary, even from another realm.
 */
function mayBeBinary(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto !== Object.prototype && proto !== null && isBinary(value);
}

/**
 * `value` with every binary value moved to `out` and replaced by a placeholder, in one walk
 * that follows JSON.stringify (own enumerable keys, toJSON results). Copy on write: parts
 * without binary are returned as they are, so a payload without binary is never copied.
 * @throws ProtocolError (`SB_ERR_TOO_DEEP`) past `depthLeft` levels (this also ends cycles)
 */
function deconstruct(
  value: unknown,
  out: BinaryData[],
  depthLeft: number,
  viaToJSON: boolean,
): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (depthLeft === 0) throw tooDeepToEncode();
  if (Array.isArray(value)) return deconstructArray(value, out, depthLeft);
  if (mayBeBinary(value)) {
    out.push(value as BinaryData);
    return { _placeholder: true, num: out.length - 1 };
  }
  if (!viaToJSON) {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function") {
      // JSON.stringify calls toJSON once per value and serializes what it returns instead.
      const json: unknown = toJSON.call(value);
      const stripped = deconstruct(json, out, depthLeft, true);
      return stripped === json ? value : stripped;
    }
  }
  const record = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    const item = record[key];
    const stripped = deconstruct(item, out, depthLeft - 1, false);
    if (copy !== undefined) {
      setOwn(copy, key, stripped);
    } else if (stripped !== item) {
      copy = {};
      for (const before in record) {
        if (before === key) break;
        if (Object.hasOwn(record, before)) setOwn(copy, before, record[before]);
      }
      setOwn(copy, key, stripped);
    }
  }
  return copy ?? value;
}

function deconstructArray(value: unknown[], out: BinaryData[], depthLeft: number): unknown[] {
  let copy: unknown[] | undefined;
  for (let i = 0; i < value.length; i++) {
    const item = value[i];
    const stripped = deconstruct(item, out, depthLeft - 1, false);
    if (copy !== undefined) {
      copy[i] = stripped;
    } else if (stripped !== item) {
      copy = new Array<unknown>(value.length);
      for (let j = 0; j < i; j++) copy[j] = value[j];
      copy[i] = stripped;
    }
  }
  return copy ?? value;
}

/** Sets an own property, also for "__proto__", without ever touching a prototype. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
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

// ---------------------------------------------------------------------------------------------
// Decoding

/** Options of {@link SocketDecoder}. */
export type SocketDecoderOptions = SocketCodecLimits;

/**
 * Decodes socket packets from engine messages. Feed each message to {@link SocketDecoder.add}:
 * it returns the packet once complete, or undefined while a binary packet waits for its
 * announced attachments. Any malformed input throws a {@link ProtocolError} and resets the
 * decoder.
 */
export class SocketDecoder {
  readonly #limits: Required<SocketCodecLimits>;
  #pending: SocketPacket | undefined;
  #buffers: BinaryData[] = [];

  constructor(options?: SocketDecoderOptions) {
    this.#limits = resolveLimits(options);
  }

  /** True while a binary packet waits for attachments. */
  get awaitingAttachments(): boolean {
    return this.#pending !== undefined;
  }

  /** Feeds one engine message: the text part of a packet, or one binary attachment. */
  add(chunk: string | BinaryData): SocketPacket | undefined {
    try {
      return typeof chunk === "string" ? this.#addText(chunk) : this.#addBinary(chunk);
    } catch (error) {
      this.reset();
      if (error instanceof ProtocolError) throw error;
      throw new ProtocolError(ProtocolErrorCode.BAD_PAYLOAD, "Malformed packet", { cause: error });
    }
  }

  /** Drops any partly received binary packet. */
  reset(): void {
    this.#pending = undefined;
    this.#buffers = [];
  }

  #addText(text: string): SocketPacket | undefined {
    if (this.#pending) {
      throw new ProtocolError(
        ProtocolErrorCode.MISSING_ATTACHMENT,
        `Got a text packet while ${this.#pending.attachments! - this.#buffers.length} attachment(s) were still due`,
      );
    }
    const packet = decodeSocketPacketText(text, this.#limits);
    if (packet.attachments === undefined) return packet;
    this.#pending = packet;
    return undefined;
  }

  #addBinary(chunk: BinaryData): SocketPacket | undefined {
    const pending = this.#pending;
    if (!pending) {
      throw new ProtocolError(
        ProtocolErrorCode.UNEXPECTED_ATTACHMENT,
        "Got a binary attachment while no binary packet was pending",
      );
    }
    if (!isBinary(chunk)) {
      throw new ProtocolError(ProtocolErrorCode.BAD_PAYLOAD, "An attachment must be binary data");
    }
    this.#buffers.push(chunk);
    if (this.#buffers.length < pending.attachments!) return undefined;
    const buffers = this.#buffers;
    this.reset();
    return reconstructPacket(pending, buffers, this.#limits.maxDepth);
  }
}

const DIGIT_0 = 48;
const DIGIT_9 = 57;

/**
 * Decodes the text part of a packet. For binary types the placeholders are left in place and
 * `attachments` says how many binary frames follow.
 * @throws ProtocolError for anything malformed
 */
export function decodeSocketPacketText(
  text: string,
  limits: Required<SocketCodecLimits> = defaultSocketCodecLimits,
): SocketPacket {
  const type = text.charCodeAt(0) - DIGIT_0;
  if (!(type >= 0 && type <= 6)) {
    throw new ProtocolError(
      ProtocolErrorCode.UNKNOWN_SOCKET_PACKET,
      `Unknown socket packet type ${JSON.stringify(text.slice(0, 1))}`,
    );
  }
  const packet: SocketPacket = { type: type as SocketPacketType, nsp: "/" };
  let i = 1;
  if (type === SocketPacketType.BINARY_EVENT || type === SocketPacketType.BINARY_ACK) {
    const dash = text.indexOf("-", i);
    const count = dash > i && dash - i <= 10 ? parseDigits(text, i, dash) : -1;
    // A binary packet without attachments is never encoded (it would be a plain one).
    if (count < 1) {
      throw new ProtocolError(ProtocolErrorCode.BAD_PACKET_HEADER, "Bad attachment count");
    }
    if (count > limits.maxAttachments) {
      throw new ProtocolError(
        ProtocolErrorCode.TOO_MANY_ATTACHMENTS,
        `Packet announces ${count} attachments; at most ${limits.maxAttachments} are allowed`,
      );
    }
    packet.attachments = count;
    i = dash + 1;
  }
  if (text.charCodeAt(i) === 47 /* "/" */) {
    const comma = text.indexOf(",", i);
    const end = comma === -1 ? text.length : comma;
    packet.nsp = text.slice(i, end);
    i = comma === -1 ? end : end + 1;
  }
  const idStart = i;
  while (i < text.length && isDigit(text.charCodeAt(i))) i++;
  if (i > idStart) {
    // 2^53 - 1 has 16 digits; longer runs cannot be safe integers.
    const id = i - idStart <= 16 ? parseDigits(text, idStart, i) : -1;
    if (id < 0 || !Number.isSafeInteger(id)) {
      throw new ProtocolError(ProtocolErrorCode.BAD_PACKET_HEADER, "Bad ack id");
    }
    packet.id = id;
  }
  if (i < text.length) packet.data = parseJson(text, i, limits.maxDepth);
  validatePayload(packet);
  return packet;
}

function isDigit(code: number): boolean {
  return code >= DIGIT_0 && code <= DIGIT_9;
}

/** The decimal number in text[start, end), or -1 if any character there is not a digit. */
function parseDigits(text: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (!isDigit(c)) return -1;
    n = n * 10 + (c - DIGIT_0);
  }
  return n;
}

function parseJson(text: string, start: number, maxDepth: number): unknown {
  const json = start === 0 ? text : text.slice(start);
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (cause) {
    throw new ProtocolError(ProtocolErrorCode.BAD_JSON, "Payload is not valid JSON", { cause });
  }
  // Cheap first: nesting deeper than maxDepth takes more than maxDepth opening and as many
  // closing brackets, so short payloads, or ones with few opening brackets, cannot.
  if (
    json.length > 2 * maxDepth + 1 &&
    countUpTo(json, "[", maxDepth) + countUpTo(json, "{", maxDepth) > maxDepth
  ) {
    if (depthExceeds(value, maxDepth)) {
      throw new ProtocolError(
        ProtocolErrorCode.TOO_DEEP,
        `Payload nests deeper than ${maxDepth} levels`,
      );
    }
  }
  return value;
}

/** Occurrences of `char` in `text`, counting no further than limit + 1. */
function countUpTo(text: string, char: string, limit: number): number {
  let n = 0;
  let i = text.indexOf(char);
  while (i !== -1 && n <= limit) {
    n++;
    i = text.indexOf(char, i + 1);
  }
  return n;
}

function depthExceeds(value: unknown, depthLeft: number): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (depthLeft === 0) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (depthExceeds(item, depthLeft - 1)) return true;
    return false;
  }
  for (const key in value) {
    if (depthExceeds((value as Record<string, unknown>)[key], depthLeft - 1)) return true;
  }
  return false;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Whether `data` (and `id`) have the shape packets of `type` require (socket.io-protocol v5,
 * "Exchange protocol"): only EVENT asks for an ack and only ACK answers one.
 */
function isValidPayload(type: SocketPacketType, data: unknown, id: number | undefined): boolean {
  switch (type) {
    case SocketPacketType.CONNECT:
      return (data === undefined || isPlainObject(data)) && id === undefined;
    case SocketPacketType.DISCONNECT:
      return data === undefined && id === undefined;
    case SocketPacketType.EVENT:
    case SocketPacketType.BINARY_EVENT:
      return Array.isArray(data) && typeof data[0] === "string";
    case SocketPacketType.ACK:
    case SocketPacketType.BINARY_ACK:
      return Array.isArray(data) && id !== undefined;
    default:
      return isPlainObject(data) && id === undefined;
  }
}

function payloadRule(type: SocketPacketType): string {
  switch (type) {
    case SocketPacketType.CONNECT:
      return "an object or nothing, and no ack id";
    case SocketPacketType.DISCONNECT:
      return "no payload and no ack id";
    case SocketPacketType.EVENT:
    case SocketPacketType.BINARY_EVENT:
      return "an array whose first item is the event name";
    case SocketPacketType.ACK:
    case SocketPacketType.BINARY_ACK:
      return "an array, and an ack id";
    default:
      return "an object, and no ack id";
  }
}

/** Checks the payload shape each type requires (socket.io-protocol v5, "Packet types"). */
function validatePayload(packet: SocketPacket): void {
  if (!isValidPayload(packet.type, packet.data, packet.id)) {
    throw new ProtocolError(
      ProtocolErrorCode.BAD_PAYLOAD,
      `Invalid payload for a packet of type ${packet.type}: ${payloadRule(packet.type)} expected`,
    );
  }
}

/** Puts the attachments back in place of their placeholders. */
function reconstructPacket(
  packet: SocketPacket,
  buffers: BinaryData[],
  maxDepth: number,
): SocketPacket {
  packet.data = reconstruct(packet.data, buffers, maxDepth);
  return packet;
}

function reconstruct(value: unknown, buffers: BinaryData[], depthLeft: number): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (depthLeft === 0) {
    throw new ProtocolError(ProtocolErrorCode.TOO_DEEP, "Payload nests too deeply");
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = reconstruct(value[i], buffers, depthLeft - 1);
    return value;
  }
  const record = value as Record<string, unknown>;
  if (record._placeholder === true) {
    const num = record.num;
    const buffer = typeof num === "number" && Number.isInteger(num) ? buffers[num] : undefined;
    if (buffer === undefined) {
      throw new ProtocolError(
        ProtocolErrorCode.BAD_PLACEHOLDER,
        `Placeholder ${JSON.stringify(num)} points at no attachment`,
      );
    }
    return buffer;
  }
  for (const key of Object.keys(record)) {
    setOwn(record, key, reconstruct(record[key], buffers, depthLeft - 1));
  }
  return record;
}
