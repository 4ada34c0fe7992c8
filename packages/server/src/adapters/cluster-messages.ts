/**
 * The messages cluster adapters exchange over a bus. Type numbers and field names are those of
 * Socket.IO's cluster adapters (socket.io-adapter 2.5), so a bus adapter can put these objects
 * on the wire as they are and share a bus with Socket.IO nodes that speak the same format.
 */
import type { SocketPacket } from "@switchboard/protocol";
import type { BroadcastFlags, BroadcastOptions, Room, SocketDetails, SocketId } from "./adapter.js";

/** Message and response types. */
export const ClusterMessageType = {
  INITIAL_HEARTBEAT: 1,
  HEARTBEAT: 2,
  BROADCAST: 3,
  SOCKETS_JOIN: 4,
  SOCKETS_LEAVE: 5,
  DISCONNECT_SOCKETS: 6,
  FETCH_SOCKETS: 7,
  FETCH_SOCKETS_RESPONSE: 8,
  SERVER_SIDE_EMIT: 9,
  SERVER_SIDE_EMIT_RESPONSE: 10,
  BROADCAST_CLIENT_COUNT: 11,
  BROADCAST_ACK: 12,
  ADAPTER_CLOSE: 13,
} as const;

type T = typeof ClusterMessageType;

/** Broadcast options as they travel: sets become arrays. */
export interface EncodedBroadcastOptions {
  rooms: Room[];
  except: Room[];
  flags?: BroadcastFlags | undefined;
}

/** A socket as a FETCH_SOCKETS_RESPONSE describes it (rooms as an array). */
export interface EncodedSocketDetails {
  id: SocketId;
  handshake: SocketDetails["handshake"];
  rooms: Room[];
  data: unknown;
}

/** Who sent a message, and for which namespace. */
interface Envelope {
  /** The sending node's id (random, one per adapter instance). */
  uid: string;
  /** The namespace name. */
  nsp: string;
}

/** A message published to every node of the namespace. */
export type ClusterMessage = Envelope &
  (
    | { type: T["INITIAL_HEARTBEAT"] | T["HEARTBEAT"] | T["ADAPTER_CLOSE"] }
    | {
        type: T["BROADCAST"];
        data: { packet: SocketPacket; opts: EncodedBroadcastOptions; requestId?: string };
      }
    | {
        type: T["SOCKETS_JOIN"] | T["SOCKETS_LEAVE"];
        data: { opts: EncodedBroadcastOptions; rooms: Room[] };
      }
    | { type: T["DISCONNECT_SOCKETS"]; data: { opts: EncodedBroadcastOptions; close?: boolean } }
    | { type: T["FETCH_SOCKETS"]; data: { opts: EncodedBroadcastOptions; requestId: string } }
    | { type: T["SERVER_SIDE_EMIT"]; data: { packet: unknown[]; requestId?: string } }
  );

/**
 * A response, sent to the requesting node only. `uid` names the answering node when the bus
 * carries it (some wire formats do not: such responses are counted, not attributed).
 */
export type ClusterResponse = Partial<Envelope> &
  (
    | {
        type: T["FETCH_SOCKETS_RESPONSE"];
        data: { requestId: string; sockets: EncodedSocketDetails[] };
      }
    | {
        type: T["SERVER_SIDE_EMIT_RESPONSE"] | T["BROADCAST_ACK"];
        data: { requestId: string; packet: unknown };
      }
    | { type: T["BROADCAST_CLIENT_COUNT"]; data: { requestId: string; clientCount: number } }
  );

/** The types that are responses. */
const responseTypes: ReadonlySet<number> = new Set([
  ClusterMessageType.FETCH_SOCKETS_RESPONSE,
  ClusterMessageType.SERVER_SIDE_EMIT_RESPONSE,
  ClusterMessageType.BROADCAST_CLIENT_COUNT,
  ClusterMessageType.BROADCAST_ACK,
]);

/** Whether a checked message is a response. */
export function isClusterResponse(
  message: ClusterMessage | ClusterResponse,
): message is ClusterResponse {
  return responseTypes.has(message.type);
}

/** Broadcast options as they travel on a bus (sets become arrays). */
export function encodeOptions(opts: BroadcastOptions): EncodedBroadcastOptions {
  const encoded: EncodedBroadcastOptions = {
    rooms: [...opts.rooms],
    except: [...(opts.except ?? [])],
  };
  if (opts.flags) encoded.flags = opts.flags;
  return encoded;
}

/** Broadcast options off a bus (arrays become sets). */
export function decodeOptions(opts: EncodedBroadcastOptions): BroadcastOptions {
  return { rooms: new Set(opts.rooms), except: new Set(opts.except), flags: opts.flags };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
const isStrings = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((x) => typeof x === "string");
const isOptions = (v: unknown): v is EncodedBroadcastOptions =>
  isObject(v) &&
  isStrings(v.rooms) &&
  (v.except === undefined || isStrings(v.except)) &&
  (v.flags === undefined || v.flags === null || isObject(v.flags));

/**
 * Checks a decoded payload off the bus. Returns the message, or undefined when it is not one
 * (unknown type, missing fields): such payloads are ignored, never thrown on.
 */
export function checkClusterMessage(value: unknown): ClusterMessage | ClusterResponse | undefined {
  if (!isObject(value) || typeof value.type !== "number") return undefined;
  if (value.uid !== undefined && typeof value.uid !== "string") return undefined;
  const data = value.data;
  const d = isObject(data) ? data : undefined;
  const requestId = d?.requestId;
  const hasRequestId = typeof requestId === "string" || typeof requestId === "number";
  const optionalRequestId = requestId === undefined || hasRequestId;
  let ok = false;
  switch (value.type) {
    case ClusterMessageType.INITIAL_HEARTBEAT:
    case ClusterMessageType.HEARTBEAT:
    case ClusterMessageType.ADAPTER_CLOSE:
      ok = true;
      break;
    case ClusterMessageType.BROADCAST:
      ok = !!d && isObject(d.packet) && isOptions(d.opts) && optionalRequestId;
      break;
    case ClusterMessageType.SOCKETS_JOIN:
    case ClusterMessageType.SOCKETS_LEAVE:
      ok = !!d && isOptions(d.opts) && isStrings(d.rooms);
      break;
    case ClusterMessageType.DISCONNECT_SOCKETS:
      ok = !!d && isOptions(d.opts);
      break;
    case ClusterMessageType.FETCH_SOCKETS:
      ok = !!d && isOptions(d.opts) && hasRequestId;
      break;
    case ClusterMessageType.SERVER_SIDE_EMIT:
      ok = !!d && Array.isArray(d.packet) && optionalRequestId;
      break;
    case ClusterMessageType.FETCH_SOCKETS_RESPONSE:
      ok = !!d && hasRequestId && Array.isArray(d.sockets) && d.sockets.every(isSocketDetails);
      break;
    case ClusterMessageType.SERVER_SIDE_EMIT_RESPONSE:
    case ClusterMessageType.BROADCAST_ACK:
      ok = !!d && hasRequestId;
      break;
    case ClusterMessageType.BROADCAST_CLIENT_COUNT:
      ok = !!d && hasRequestId && typeof d.clientCount === "number";
      break;
  }
  if (!ok) return undefined;
  if (d && hasRequestId) d.requestId = String(requestId);
  return value as unknown as ClusterMessage | ClusterResponse;
}

function isSocketDetails(v: unknown): v is EncodedSocketDetails {
  return isObject(v) && typeof v.id === "string" && isObject(v.handshake) && isStrings(v.rooms);
}
