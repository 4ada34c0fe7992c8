/**
 * The default parser's bytes are notepack.io's, the codec that @socket.io/redis-adapter and
 * @socket.io/redis-emitter use, on the messages this adapter exchanges; and each decodes the
 * other's output to the same value.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import notepack from "notepack.io";
import { msgpackParser } from "../src/index.ts";

const packet = {
  type: 2,
  nsp: "/admin",
  data: ["ev", 1, -3, 1.5, 2 ** 40, "é", Buffer.from([1, 2, 3]), null, true, { a: { b: [1] } }],
};
const samples: Record<string, unknown> = {
  broadcast: ["Ab12cd", packet, { rooms: ["r"], except: ["x"], flags: { volatile: true } }],
  "broadcast, no flags": ["emitter", packet, { rooms: [], except: [] }],
  "broadcast with acks request": {
    uid: "Ab12cd",
    requestId: "Xy9",
    type: 7,
    packet,
    opts: { rooms: [], except: [], flags: { timeout: 5000 } },
  },
  "broadcast ack": { type: 9, requestId: "Xy9", packet: ["yes", new Uint8Array([4, 5])] },
  "cluster message": {
    uid: "u",
    nsp: "/",
    type: 3,
    data: { packet, opts: { rooms: ["a"], except: [] } },
  },
  "undefined values are left out": { a: undefined, b: 1, flags: { timeout: undefined } },
  "long strings and numbers": ["x".repeat(300), 70_000, -200, 0.1, 2 ** 33, -(2 ** 33)],
};

for (const [name, value] of Object.entries(samples)) {
  test(`msgpack bytes equal notepack.io's: ${name}`, () => {
    const ours = Buffer.from(msgpackParser.encode(value) as Uint8Array);
    const theirs = notepack.encode(value);
    assert.equal(ours.toString("hex"), theirs.toString("hex"));
    assert.deepEqual(normalize(msgpackParser.decode(theirs)), normalize(notepack.decode(ours)));
  });
}

/** Binary as plain byte arrays: notepack decodes to Buffer, @msgpack/msgpack to Uint8Array. */
function normalize(value: unknown): unknown {
  if (value instanceof Uint8Array) return [...value];
  if (Array.isArray(value)) return value.map(normalize);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v)]));
  }
  return value;
}
