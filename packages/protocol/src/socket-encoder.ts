/**
 * Socket.IO v5 packet encoding: the text part, with every binary value replaced by a
 * placeholder and sent after it as an attachment.
 * Spec: https://github.com/socketio/socket.io-protocol (v5), "Packet encoding".
 */
import { type BinaryData, isBinary } from "./bytes.js";
import { type ProtocolError, protocolError } from "./errors.js";
import {
  checkLimit,
  defaultSocketCodecLimits,
  type EncodedSocketPacket,
  isValidPayload,
  payloadError,
  type SocketCodecLimits,
  type SocketPacket,
  type SocketPacketType,
  setOwn,
} from "./socket.js";

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
  // Checked on every call without allocating: servers pass their limits with each packet.
  const maxDepth =
    limits?.maxDepth === undefined
      ? defaultSocketCodecLimits.maxDepth
      : checkLimit("maxDepth", limits.maxDepth);
  let type = packet.type;
  const { nsp, id, data } = packet;
  if (!isPacketType(type)) {
    throw protocolError("UNENCODABLE", `type ${String(type)}`);
  }
  let attachments: BinaryData[] | undefined;
  let payload = data;
  if (type >= 2 && type !== 4) {
    // EVENT (2), ACK (3) and their binary twins (5, 6): the type on the wire follows the data.
    const isEvent = type === 2 || type === 5;
    const found: BinaryData[] = [];
    payload = deconstruct(data, found, maxDepth, false);
    if (found.length > 0) {
      attachments = found;
      type = isEvent ? 5 : 6;
    } else {
      type = isEvent ? 2 : 3;
    }
  }
  if (!isValidPayload(type, payload, id)) throw payloadError("UNENCODABLE", type);
  let str = attachments ? `${type}${attachments.length}-` : String(type);
  if (nsp !== "/" && nsp !== undefined) {
    if (typeof nsp !== "string" || nsp.charCodeAt(0) !== 47 || nsp.includes(",")) {
      // A namespace starts with "/" and holds no "," (the end of the header).
      throw protocolError("UNENCODABLE", `namespace ${JSON.stringify(nsp)}`);
    }
    str += `${nsp},`;
  }
  if (id !== undefined) {
    if (!Number.isSafeInteger(id) || id < 0) {
      throw protocolError("UNENCODABLE", `ack id ${String(id)}`);
    }
    str += id;
  }
  if (payload !== undefined) {
    let json: string | undefined;
    try {
      json = JSON.stringify(payload);
    } catch (cause) {
      throw protocolError("UNENCODABLE", "JSON.stringify failed", cause);
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
  return protocolError("TOO_DEEP", "past maxDepth, or a cycle");
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
      hasOwn.call(value, key) &&
      findBinary((value as Record<string, unknown>)[key], depthLeft - 1, false)
    ) {
      return true;
    }
  }
  return false;
}

/**
 * True for binary data, answered cheaply for the common cases: views and ArrayBuffers by their
 * brand, plain objects (prototype Object.prototype or null: never binary, from any realm)
 * without the slower checks for Blobs and foreign ArrayBuffers.
 */
function mayBeBinary(value: object): boolean {
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return true;
  const proto = Object.getPrototypeOf(value);
  return proto !== Object.prototype && proto !== null && isBinary(value);
}

// V8 optimizes `hasOwnProperty.call` inside for-in (it uses the enum cache); Object.hasOwn is
// measurably slower there on Node 20.
const hasOwn = Object.prototype.hasOwnProperty;

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
    if (!hasOwn.call(record, key)) continue;
    const item = record[key];
    // Leaves are most of any payload: skip the call for them.
    const stripped =
      typeof item === "object" && item !== null
        ? deconstruct(item, out, depthLeft - 1, false)
        : item;
    if (copy !== undefined) {
      setOwn(copy, key, stripped);
    } else if (stripped !== item) {
      copy = {};
      for (const before in record) {
        if (before === key) break;
        if (hasOwn.call(record, before)) setOwn(copy, before, record[before]);
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
    const stripped =
      typeof item === "object" && item !== null
        ? deconstruct(item, out, depthLeft - 1, false)
        : item;
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
