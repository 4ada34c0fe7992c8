/**
 * Engine.IO v4 packets and HTTP long-polling payloads.
 * Spec: https://github.com/socketio/engine.io-protocol (v4), sections "Packet encoding" and
 * "Payload encoding".
 */
import {
  type BinaryData,
  type BinaryType,
  convertBinary,
  defaultBinaryType,
  fromBase64,
  isBinary,
  toBase64,
} from "#binary";
import { hasBlob } from "./bytes.js";
import { protocolError } from "./errors.js";

/** The seven engine packet types, in wire order (`"0"` is open, …, `"6"` is noop). */
export type EnginePacketType = "open" | "close" | "ping" | "pong" | "message" | "upgrade" | "noop";

/** What an engine packet carries: text, or binary (message packets only). */
export type PacketData = string | BinaryData;

/** One Engine.IO packet. */
export interface EnginePacket {
  /** What the packet is: `open`, `close`, `ping`, `pong`, `message`, `upgrade` or `noop`. */
  type: EnginePacketType;
  /** The payload: text on any type, binary on `message` only; absent for none. */
  data?: PacketData | undefined;
}

/** Wire digit of each packet type (a frozen object without prototype: no inherited keys). */
export const enginePacketCode: Readonly<Record<EnginePacketType, string>> =
  /* @__PURE__ */ Object.freeze({
    __proto__: null,
    open: "0",
    close: "1",
    ping: "2",
    pong: "3",
    message: "4",
    upgrade: "5",
    noop: "6",
  });

const typeByCode: readonly EnginePacketType[] = [
  "open",
  "close",
  "ping",
  "pong",
  "message",
  "upgrade",
  "noop",
];

/** The record separator between packets of a polling payload. */
export const RECORD_SEPARATOR = "\x1e";

/** Fields of the open packet's JSON, sent by the server at the handshake. */
export interface OpenPacketData {
  /** The session id, sent back by the client on every later request (`sid=`). */
  sid: string;
  /** Transports this session may upgrade to (for an Engine.IO v4 client: `websocket`). */
  upgrades: string[];
  /** Milliseconds between the server's pings. */
  pingInterval: number;
  /** Milliseconds the server waits for a pong before it closes the session. */
  pingTimeout: number;
  /** Largest payload, in bytes, the server accepts in one HTTP request or frame. */
  maxPayload: number;
}

/**
 * Encodes one packet for a transport. With `supportsBinary` (WebSocket), binary data goes out as
 * is, as a binary frame; otherwise it becomes `b` + base64. Blobs can only be encoded to text
 * asynchronously: use {@link encodeEnginePacketAsync} for them.
 * @throws ProtocolError (`SB_ERR_UNENCODABLE`) for an unknown type, binary data on a packet
 * other than a message, or data that is neither a string nor binary
 */
export function encodeEnginePacket(
  packet: EnginePacket,
  supportsBinary: boolean,
): string | BinaryData {
  const code = codeOf(packet.type);
  const data = packet.data;
  if (data === undefined) return code;
  if (typeof data === "string") return code + data;
  if (code !== "4" || !isBinary(data)) {
    // Only message packets carry binary; no packet carries anything else but text.
    throw protocolError("UNENCODABLE", `${packet.type} packet with ${describe(data)}`);
  }
  if (supportsBinary) return data;
  if (hasBlob && data instanceof Blob) {
    throw protocolError("BLOB_NEEDS_ASYNC", "use encodeEnginePacketAsync");
  }
  return `b${toBase64(data as ArrayBuffer | ArrayBufferView)}`;
}

/** The wire digit of a packet type; refuses anything else (even Object.prototype keys). */
function codeOf(type: EnginePacketType): string {
  switch (type) {
    case "message": // the common case first
      return "4";
    case "open":
      return "0";
    case "close":
      return "1";
    case "ping":
      return "2";
    case "pong":
      return "3";
    case "upgrade":
      return "5";
    case "noop":
      return "6";
    default:
      throw protocolError("UNENCODABLE", `type ${String(type)}`);
  }
}

function describe(data: unknown): string {
  return isBinary(data) ? "binary" : data === null ? "null" : typeof data;
}

/** Like {@link encodeEnginePacket}, reading Blobs first when they must become base64. */
export async function encodeEnginePacketAsync(
  packet: EnginePacket,
  supportsBinary: boolean,
): Promise<string | BinaryData> {
  const data = packet.data;
  if (!supportsBinary && hasBlob && data instanceof Blob) {
    return `b${toBase64(await data.arrayBuffer())}`;
  }
  return encodeEnginePacket(packet, supportsBinary);
}

/**
 * Decodes one packet as received from a transport: a string (text frame or one record of a
 * payload) or binary data (a binary frame, always a message).
 * @throws ProtocolError for an empty string or an unknown type
 */
export function decodeEnginePacket(
  data: string | BinaryData,
  binaryType: BinaryType = defaultBinaryType,
): EnginePacket {
  if (typeof data !== "string") {
    if (!isBinary(data)) throw protocolError("UNKNOWN_ENGINE_PACKET", "not text or binary");
    return { type: "message", data: convertBinary(data, binaryType) };
  }
  return decodeRecord(data, 0, data.length, binaryType);
}

/** Decodes the packet in text[start, end): a whole text frame or one record of a payload. */
function decodeRecord(
  text: string,
  start: number,
  end: number,
  binaryType: BinaryType,
): EnginePacket {
  if (start === end) {
    throw protocolError("EMPTY_PACKET");
  }
  const code = text.charCodeAt(start);
  if (code === 98 /* "b" */) {
    const bytes = fromBase64(text.slice(start + 1, end));
    if (!bytes) throw protocolError("UNKNOWN_ENGINE_PACKET", "bad base64");
    return { type: "message", data: convertBinary(bytes, binaryType) };
  }
  const type = typeByCode[code - 48];
  if (type === undefined) {
    throw protocolError("UNKNOWN_ENGINE_PACKET", JSON.stringify(text[start]));
  }
  return end - start > 1 ? { type, data: text.slice(start + 1, end) } : { type };
}

/**
 * Encodes packets as one HTTP long-polling payload: each packet as text (binary as base64),
 * joined by the record separator.
 */
export function encodeEnginePayload(packets: readonly EnginePacket[]): string {
  if (packets.length === 1) return encodeEnginePacket(packets[0]!, false) as string;
  let out = "";
  for (let i = 0; i < packets.length; i++) {
    if (i > 0) out += RECORD_SEPARATOR;
    out += encodeEnginePacket(packets[i]!, false) as string;
  }
  return out;
}

/** Like {@link encodeEnginePayload}, reading any Blobs first. */
export async function encodeEnginePayloadAsync(packets: readonly EnginePacket[]): Promise<string> {
  const parts = await Promise.all(packets.map((p) => encodeEnginePacketAsync(p, false)));
  return parts.join(RECORD_SEPARATOR);
}

/**
 * Decodes an HTTP long-polling payload into its packets.
 * @throws ProtocolError when any record is not a valid packet
 */
export function decodeEnginePayload(
  payload: string,
  binaryType: BinaryType = defaultBinaryType,
): EnginePacket[] {
  if (typeof payload !== "string") {
    throw protocolError("UNKNOWN_ENGINE_PACKET", "payload not text");
  }
  const packets: EnginePacket[] = [];
  const length = payload.length;
  let start = 0;
  for (;;) {
    let end = payload.indexOf(RECORD_SEPARATOR, start);
    if (end === -1) end = length;
    packets.push(decodeRecord(payload, start, end, binaryType));
    if (end === length) return packets;
    start = end + 1;
  }
}
