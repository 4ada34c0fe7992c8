/**
 * The wire format of `@socket.io/redis-streams-adapter` 0.3, written from its published
 * description and observed traffic:
 *
 * - a stream entry has the fields `uid`, `nsp`, `type` (the message type as decimal text) and,
 *   when the message has data, `data`: JSON text, or base64 of msgpack when it holds binary;
 * - pub/sub messages (requests that need no history, and every response) are whole messages
 *   in msgpack;
 * - a session record is base64 of msgpack `{sid, pid, rooms, data}` under `<prefix><pid>`;
 * - offsets are stream entry ids (`<ms>-<seq>`).
 */
import { decode, encode } from "@msgpack/msgpack";
import {
  type ClusterMessage,
  type ClusterResponse,
  checkClusterMessage,
  isClusterResponse,
  ClusterMessageType as M,
  type SocketSnapshot,
} from "@switchboard/server";

/** A stream entry id, `<ms>-<seq>`. */
export const ENTRY_ID = /^[0-9]+-[0-9]+$/;

/** Compares two entry ids numerically (negative: a before b). */
export function compareIds(a: string, b: string): number {
  const [am = "0", as = "0"] = a.split("-");
  const [bm = "0", bs = "0"] = b.split("-");
  if (am.length !== bm.length) return am.length - bm.length;
  if (am !== bm) return am < bm ? -1 : 1;
  if (as.length !== bs.length) return as.length - bs.length;
  return as === bs ? 0 : as < bs ? -1 : 1;
}

/** Whether `value` holds binary data anywhere (then msgpack keeps it intact, JSON would not). */
export function hasBinary(value: unknown, depth = 0): boolean {
  if (value === null || typeof value !== "object" || depth > 64) return false;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return true;
  if (Array.isArray(value)) return value.some((v) => hasBinary(v, depth + 1));
  for (const v of Object.values(value)) if (hasBinary(v, depth + 1)) return true;
  return false;
}

const MAY_HOLD_BINARY: ReadonlySet<number> = new Set([
  M.BROADCAST,
  M.FETCH_SOCKETS_RESPONSE,
  M.SERVER_SIDE_EMIT,
  M.SERVER_SIDE_EMIT_RESPONSE,
  M.BROADCAST_ACK,
]);

/** The field/value list of a stream entry for `message`. */
export function encodeEntry(message: ClusterMessage, onlyPlaintext: boolean): string[] {
  const fields = ["uid", message.uid, "nsp", message.nsp, "type", String(message.type)];
  if ("data" in message && message.data !== undefined) {
    const binary = !onlyPlaintext && MAY_HOLD_BINARY.has(message.type) && hasBinary(message.data);
    const data = binary
      ? Buffer.from(encode(message.data, { ignoreUndefined: true })).toString("base64")
      : JSON.stringify(message.data);
    fields.push("data", data);
  }
  return fields;
}

/** A stream entry as XREAD/XRANGE answer it: `[id, [field, value, ...]]`. */
export interface Entry {
  id: string;
  fields: Record<string, string>;
}

/** Reads the raw entries of an XRANGE reply (or of one stream of an XREAD reply). */
export function entriesOf(reply: unknown): Entry[] {
  if (!Array.isArray(reply)) return [];
  const out: Entry[] = [];
  for (const raw of reply) {
    if (!Array.isArray(raw) || typeof raw[0] !== "string" || !Array.isArray(raw[1])) continue;
    const list = raw[1] as unknown[];
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < list.length; i += 2) fields[String(list[i])] = String(list[i + 1]);
    out.push({ id: raw[0], fields });
  }
  return out;
}

/** The checked message of an entry, or undefined when it is not one (it is then skipped). */
export function decodeEntry(fields: Record<string, string>): ClusterMessage | undefined {
  const type = Number.parseInt(fields.type ?? "", 10);
  if (!Number.isInteger(type) || fields.nsp === undefined) return undefined;
  const value: Record<string, unknown> = { uid: fields.uid, nsp: fields.nsp, type };
  const data = fields.data;
  try {
    if (data !== undefined && data !== "") {
      value.data = data.startsWith("{") ? JSON.parse(data) : decode(Buffer.from(data, "base64"));
    }
  } catch {
    return undefined;
  }
  const message = checkClusterMessage(value);
  return message && !isClusterResponse(message) ? message : undefined;
}

/** A message or response for pub/sub (msgpack). */
export function encodeBus(message: ClusterMessage | ClusterResponse): Buffer {
  return Buffer.from(encode(message, { ignoreUndefined: true }));
}

/** The checked message of a pub/sub payload, or undefined. */
export function decodeBus(payload: Buffer): ClusterMessage | ClusterResponse | undefined {
  try {
    return checkClusterMessage(decode(payload));
  } catch {
    return undefined;
  }
}

/** A session record as kept in Redis; `node` names the node that wrote it (Switchboard only). */
export interface SessionRecord extends SocketSnapshot {
  node?: string;
}

/** Encodes a session record (base64 of msgpack). */
export function encodeRecord(record: SessionRecord): string {
  return Buffer.from(encode(record, { ignoreUndefined: true })).toString("base64");
}

/** Decodes a session record, or undefined when it is not one. */
export function decodeRecord(raw: string): SessionRecord | undefined {
  try {
    const value = decode(Buffer.from(raw, "base64")) as Partial<SessionRecord> | null;
    if (
      value === null ||
      typeof value !== "object" ||
      typeof value.sid !== "string" ||
      typeof value.pid !== "string" ||
      !Array.isArray(value.rooms) ||
      !value.rooms.every((r) => typeof r === "string")
    ) {
      return undefined;
    }
    return { sid: value.sid, pid: value.pid, rooms: value.rooms, data: value.data };
  } catch {
    return undefined;
  }
}
