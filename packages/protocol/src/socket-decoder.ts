/**
 * Socket.IO v5 packet decoding: the text part of a packet, and a stateful decoder that waits
 * for exactly the announced attachments and puts them back in place of their placeholders.
 * Spec: https://github.com/socketio/socket.io-protocol (v5), "Packet encoding".
 */
import { type BinaryData, isBinary } from "./bytes.js";
import { ProtocolError, protocolError } from "./errors.js";
import {
  defaultSocketCodecLimits,
  isValidPayload,
  payloadError,
  resolveLimits,
  type SocketCodecLimits,
  type SocketPacket,
  type SocketPacketType,
  setOwn,
} from "./socket.js";

/** Options of {@link SocketDecoder}. */
export type SocketDecoderOptions = SocketCodecLimits;

/**
 * Where a {@link SocketDecoder} is: between packets, or inside a binary packet, holding its text
 * part and the attachments received so far.
 */
type DecoderState =
  | { readonly name: "idle" }
  | {
      readonly name: "awaiting-attachments";
      readonly packet: SocketPacket;
      readonly buffers: BinaryData[];
    };

const IDLE: DecoderState = Object.freeze({ name: "idle" });

/**
 * Decodes socket packets from engine messages. Feed each message to {@link SocketDecoder.add}:
 * it returns the packet once complete, or undefined while a binary packet waits for its
 * announced attachments. Any malformed input throws a {@link ProtocolError} and resets the
 * decoder.
 */
export class SocketDecoder {
  readonly #limits: Required<SocketCodecLimits>;
  #state: DecoderState = IDLE;

  constructor(options?: SocketDecoderOptions) {
    this.#limits = resolveLimits(options);
  }

  /** True while a binary packet waits for attachments. */
  get awaitingAttachments(): boolean {
    return this.#state.name === "awaiting-attachments";
  }

  /**
   * Feeds one engine message: the text part of a packet, or one binary attachment. An error
   * whose `nsp` is set refused one complete packet (a bad payload after a good header) and left
   * the decoder ready for the next one; any other error means the stream cannot be read on.
   */
  add(chunk: string | BinaryData): SocketPacket | undefined {
    try {
      return typeof chunk === "string" ? this.#addText(chunk) : this.#addBinary(chunk);
    } catch (error) {
      this.reset();
      if (error instanceof ProtocolError) throw error;
      throw protocolError("BAD_PAYLOAD", undefined, error);
    }
  }

  /** Drops any partly received binary packet. */
  reset(): void {
    this.#state = IDLE;
  }

  #addText(text: string): SocketPacket | undefined {
    const state = this.#state;
    if (state.name === "awaiting-attachments") {
      const due = state.packet.attachments! - state.buffers.length;
      throw protocolError("MISSING_ATTACHMENT", `${due} due`);
    }
    const packet = decodeSocketPacketText(text, this.#limits);
    if (packet.attachments === undefined) return packet;
    this.#state = { name: "awaiting-attachments", packet, buffers: [] };
    return undefined;
  }

  #addBinary(chunk: BinaryData): SocketPacket | undefined {
    const state = this.#state;
    if (state.name === "idle") {
      throw protocolError("UNEXPECTED_ATTACHMENT");
    }
    if (!isBinary(chunk)) {
      throw protocolError("BAD_PAYLOAD", "attachment not binary");
    }
    state.buffers.push(chunk);
    if (state.buffers.length < state.packet.attachments!) return undefined;
    this.#state = IDLE;
    try {
      return reconstructPacket(state.packet, state.buffers, this.#limits.maxDepth);
    } catch (error) {
      // Every announced attachment has arrived: only this packet is lost.
      (error as ProtocolError).nsp = state.packet.nsp;
      throw error;
    }
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
  if (typeof text !== "string") {
    throw protocolError("UNKNOWN_SOCKET_PACKET", "not text");
  }
  const type = text.charCodeAt(0) - DIGIT_0;
  if (!(type >= 0 && type <= 6)) {
    throw protocolError("UNKNOWN_SOCKET_PACKET", JSON.stringify(text.slice(0, 1)));
  }
  const packet: SocketPacket = { type: type as SocketPacketType, nsp: "/" };
  let i = 1;
  if (type === 5 || type === 6) {
    // BINARY_EVENT, BINARY_ACK: the attachment count comes first.
    const dash = text.indexOf("-", i);
    const count = dash > i && dash - i <= 10 ? parseDigits(text, i, dash) : -1;
    // A binary packet without attachments is never encoded (it would be a plain one).
    if (count < 1) {
      throw protocolError("BAD_PACKET_HEADER", "attachment count");
    }
    if (count > limits.maxAttachments) {
      throw protocolError("TOO_MANY_ATTACHMENTS", `${count} > ${limits.maxAttachments}`);
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
      throw protocolError("BAD_PACKET_HEADER", "ack id");
    }
    packet.id = id;
  }
  try {
    if (i < text.length) packet.data = parseJson(text, i, limits.maxDepth);
    validatePayload(packet);
  } catch (error) {
    // The header was read, so the packet ends here; a binary one still has attachments to come.
    if (packet.attachments === undefined) (error as ProtocolError).nsp = packet.nsp;
    throw error;
  }
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
    throw protocolError("BAD_JSON", undefined, cause);
  }
  // Cheap first: nesting deeper than maxDepth takes more than maxDepth opening and as many
  // closing brackets, so short payloads, or ones with few opening brackets, cannot.
  if (
    json.length > 2 * maxDepth + 1 &&
    countUpTo(json, "[", maxDepth) + countUpTo(json, "{", maxDepth) > maxDepth
  ) {
    if (depthExceeds(value, maxDepth)) {
      throw protocolError("TOO_DEEP", `> ${maxDepth}`);
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

/** Checks the payload shape each type requires (socket.io-protocol v5, "Packet types"). */
function validatePayload(packet: SocketPacket): void {
  if (!isValidPayload(packet.type, packet.data, packet.id, true)) {
    throw payloadError("BAD_PAYLOAD", packet.type);
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
    throw protocolError("TOO_DEEP");
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
      throw protocolError("BAD_PLACEHOLDER", JSON.stringify(num));
    }
    return buffer;
  }
  for (const key of Object.keys(record)) {
    setOwn(record, key, reconstruct(record[key], buffers, depthLeft - 1));
  }
  return record;
}
