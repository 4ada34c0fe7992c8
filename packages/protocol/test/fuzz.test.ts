/**
 * Fuzzing the decoders with random and mutated input: each call returns a well-formed packet
 * or throws a ProtocolError whose code is in the catalogue; nothing else, and it returns.
 * Every loop here is bounded by fast-check's run count.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type BinaryData,
  decodeEnginePacket,
  decodeEnginePayload,
  type EnginePacket,
  isBinary,
  ProtocolError,
  SocketDecoder,
  type SocketPacket,
} from "@switchboard/protocol";
import fc from "fast-check";
import { ENGINE_TYPES, KNOWN_CODES, validEncoding } from "./arbitraries.ts";

const RUNS = 1500;

/** How often each outcome happened: proof that the fuzzing reaches past the first checks. */
const outcomes = new Map<string, number>();
function count(outcome: string): void {
  outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
}

/** Runs `fn`; a throw must be a ProtocolError with a catalogued code. */
function attempt<T>(fn: () => T): T | undefined {
  try {
    const result = fn();
    count("ok");
    return result;
  } catch (error) {
    if (!(error instanceof ProtocolError)) {
      assert.fail(`threw a non-ProtocolError: ${String(error)}`);
    }
    assert.ok(KNOWN_CODES.has(error.code), `unknown code ${error.code}`);
    count(error.code);
    assert.equal(error.name, "ProtocolError");
    assert.ok(error.message.length > 0);
    return undefined;
  }
}

function checkEnginePacket(packet: EnginePacket): void {
  assert.ok(ENGINE_TYPES.includes(packet.type));
  if (packet.data !== undefined) {
    assert.ok(typeof packet.data === "string" ? packet.data.length > 0 : isBinary(packet.data));
    if (typeof packet.data !== "string") assert.equal(packet.type, "message");
  }
}

/** What any packet the socket decoder returns must look like. */
function checkSocketPacket(packet: SocketPacket, maxAttachments: number): void {
  assert.ok(Number.isInteger(packet.type) && packet.type >= 0 && packet.type <= 6);
  assert.equal(typeof packet.nsp, "string");
  assert.ok(packet.nsp.startsWith("/"));
  assert.ok(!packet.nsp.includes(","));
  if (packet.id !== undefined) assert.ok(Number.isSafeInteger(packet.id) && packet.id >= 0);
  if (packet.type === 5 || packet.type === 6) {
    assert.ok(packet.attachments! >= 1 && packet.attachments! <= maxAttachments);
  } else {
    assert.equal(packet.attachments, undefined);
  }
  if (packet.type === 2 || packet.type === 5) {
    assert.ok(Array.isArray(packet.data) && typeof packet.data[0] === "string");
  }
  if (packet.type === 3 || packet.type === 6) {
    assert.ok(Array.isArray(packet.data) && packet.id !== undefined);
  }
  if (packet.type === 1) assert.equal(packet.data, undefined);
  assert.equal(Object.getPrototypeOf({}), Object.prototype);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
}

/** Tokens that make random text look like packets often enough to get past the first check. */
const token = fc.constantFrom(
  ..."0123456789".split(""),
  "-",
  "/",
  ",",
  "[",
  "]",
  "{",
  "}",
  '"',
  ":",
  " ",
  "\x1e",
  "b",
  "e",
  "null",
  "true",
  '"_placeholder"',
  '"num"',
  '"__proto__"',
  '{"_placeholder":true,"num":0}',
  '{"_placeholder":true,"num":1}',
  "1e400",
  "\\u0000",
  "/admin,",
  "\ud800",
);
const packetish = fc.string({ unit: token, maxLength: 40 });
const anyText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  packetish,
);

type Mutation = ["delete" | "insert" | "replace" | "truncate" | "duplicate", number, string];
const mutation: fc.Arbitrary<Mutation> = fc.tuple(
  fc.constantFrom("delete", "insert", "replace", "truncate", "duplicate"),
  fc.nat(),
  fc.oneof(token, fc.string({ unit: "binary", maxLength: 2 })),
);

function mutate(text: string, mutations: readonly Mutation[]): string {
  let out = text;
  for (const [kind, at, insert] of mutations) {
    const i = out.length === 0 ? 0 : at % (out.length + 1);
    if (kind === "delete") out = out.slice(0, i) + out.slice(i + 1);
    else if (kind === "insert") out = out.slice(0, i) + insert + out.slice(i);
    else if (kind === "replace") out = out.slice(0, i) + insert + out.slice(i + insert.length);
    else if (kind === "truncate") out = out.slice(0, i);
    else out = out.slice(0, i) + out.slice(i, i + 8) + out.slice(i);
  }
  return out;
}
const mutatedPacket = fc
  .tuple(validEncoding, fc.array(mutation, { minLength: 1, maxLength: 4 }))
  .map(([text, mutations]) => mutate(text, mutations));

/** Things a confused transport might hand over instead of a string or binary data. */
const junk = fc.constantFrom<unknown>(
  null,
  undefined,
  0,
  42,
  true,
  {},
  [],
  ["2"],
  { byteLength: 4 },
  Symbol("x"),
  () => "2",
);
const bytes = fc.uint8Array({ maxLength: 32 }).map((b) => Buffer.from(b));

describe("fuzzing the engine decoders", () => {
  test("decodeEnginePacket: random text, bytes and junk", () => {
    fc.assert(
      fc.property(fc.oneof(anyText, bytes, junk), (input) => {
        const packet = attempt(() => decodeEnginePacket(input as string | BinaryData));
        if (packet) checkEnginePacket(packet);
      }),
      { numRuns: RUNS },
    );
  });

  test("decodeEnginePayload: random text with separators, mutated payloads, and junk", () => {
    const payload = fc.oneof(
      anyText,
      fc.array(anyText, { maxLength: 6 }).map((parts) => parts.join("\x1e")),
      fc
        .tuple(fc.array(validEncoding, { minLength: 1, maxLength: 4 }), fc.array(mutation))
        .map(([texts, mutations]) => mutate(texts.map((t) => `4${t}`).join("\x1e"), mutations)),
      junk,
      bytes,
    );
    fc.assert(
      fc.property(payload, (input) => {
        const packets = attempt(() => decodeEnginePayload(input as string));
        if (packets) {
          assert.ok(packets.length >= 1);
          for (const packet of packets) checkEnginePacket(packet);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe("fuzzing the socket decoder", () => {
  test("single messages: random, packet-like and mutated text", () => {
    outcomes.clear();
    const decoder = new SocketDecoder();
    fc.assert(
      fc.property(fc.oneof(anyText, mutatedPacket), (text) => {
        decoder.reset();
        const packet = attempt(() => decoder.add(text));
        if (packet) checkSocketPacket(packet, 64);
      }),
      { numRuns: RUNS * 2 },
    );
    // The inputs reach every stage of the decoder: some decode, and each check refuses some.
    for (const outcome of [
      "ok",
      "SB_ERR_UNKNOWN_SOCKET_PACKET",
      "SB_ERR_BAD_PACKET_HEADER",
      "SB_ERR_BAD_JSON",
      "SB_ERR_BAD_PAYLOAD",
    ]) {
      assert.ok(
        (outcomes.get(outcome) ?? 0) > 0,
        `never saw ${outcome}: ${JSON.stringify([...outcomes])}`,
      );
    }
  });

  test("sequences of text, attachments and junk through one decoder, with tight limits", () => {
    outcomes.clear();
    const chunk = fc.oneof(
      { arbitrary: mutatedPacket, weight: 3 },
      { arbitrary: validEncoding, weight: 2 },
      { arbitrary: packetish, weight: 2 },
      { arbitrary: bytes, weight: 3 },
      { arbitrary: junk, weight: 1 },
    );
    fc.assert(
      fc.property(
        fc.record({
          maxAttachments: fc.integer({ min: 1, max: 4 }),
          maxDepth: fc.integer({ min: 1, max: 6 }),
        }),
        fc.array(chunk, { maxLength: 12 }),
        (limits, chunks) => {
          const decoder = new SocketDecoder(limits);
          for (const input of chunks) {
            const packet = attempt(() => decoder.add(input as string | BinaryData));
            if (packet) checkSocketPacket(packet, limits.maxAttachments);
          }
        },
      ),
      { numRuns: RUNS },
    );
    for (const outcome of [
      "SB_ERR_MISSING_ATTACHMENT",
      "SB_ERR_UNEXPECTED_ATTACHMENT",
      "SB_ERR_TOO_MANY_ATTACHMENTS",
      "SB_ERR_TOO_DEEP",
    ]) {
      assert.ok(
        (outcomes.get(outcome) ?? 0) > 0,
        `never saw ${outcome}: ${JSON.stringify([...outcomes])}`,
      );
    }
  });
});
