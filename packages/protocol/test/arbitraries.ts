/**
 * fast-check generators shared by the property, fuzz and differential tests, and the helpers
 * that say what a value looks like after a trip over the wire.
 */

import {
  type BinaryData,
  type EnginePacket,
  type EnginePacketType,
  encodeSocketPacket,
  isBinary,
  ProtocolErrorCode,
  type SocketPacket,
} from "@switchboard/protocol";
import fc from "fast-check";

export const ENGINE_TYPES: readonly EnginePacketType[] = [
  "open",
  "close",
  "ping",
  "pong",
  "message",
  "upgrade",
  "noop",
];

/** Every code of the catalogue: the only codes a codec may throw. */
export const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(ProtocolErrorCode));

/** Event names the official parser refuses (they mean something to Socket.IO itself). */
export const RESERVED_EVENTS: ReadonlySet<string> = new Set([
  "connect",
  "connect_error",
  "disconnect",
  "disconnecting",
  "newListener",
  "removeListener",
]);

const byteArrays = fc.uint8Array({ maxLength: 48 });

/** Binary data in every form the encoders accept except Blob, including views at an offset. */
export const binary: fc.Arbitrary<BinaryData> = fc.oneof(
  byteArrays.map((b) => Buffer.from(b) as BinaryData),
  byteArrays.map((b) => b.slice().buffer as BinaryData),
  byteArrays.map((b) => new Uint8Array(b) as BinaryData),
  fc.tuple(byteArrays, fc.nat(7), fc.nat(7)).map(([b, before, after]) => {
    const whole = new Uint8Array(before + b.length + after).fill(0xee);
    whole.set(b, before);
    return whole.subarray(before, before + b.length) as BinaryData;
  }),
  byteArrays.map((b) => new Int16Array(b.slice(0, b.length & ~1).buffer) as BinaryData),
  byteArrays.map((b) => new Float64Array(b.slice(0, b.length & ~7).buffer) as BinaryData),
  fc.tuple(byteArrays, fc.nat(5)).map(([b, before]) => {
    const whole = new Uint8Array(before + b.length);
    whole.set(b, before);
    return new DataView(whole.buffer, before, b.length) as BinaryData;
  }),
);

/** Object keys, with the ones that matter to prototype safety over-represented. */
export function objectKey(withProtoKeys: boolean): fc.Arbitrary<string> {
  const plain = fc.string({ maxLength: 8 });
  return withProtoKeys
    ? fc.oneof(
        { arbitrary: plain, weight: 4 },
        fc.constantFrom("__proto__", "constructor", "prototype", "toString", "num"),
      )
    : plain.filter((k) => k !== "__proto__");
}

/** A plain object with exactly these own entries (defineProperty, so "__proto__" stays a key). */
export function objectFrom(
  entries: readonly (readonly [string, unknown])[],
): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    Object.defineProperty(object, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return object;
}

const jsonLeaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: "binary", maxLength: 6 }),
);

export interface ValueOptions {
  /** Binary values among the leaves. */
  binary: boolean;
  /** "__proto__" and friends among the keys. */
  protoKeys: boolean;
}

/** Arbitrary JSON values, optionally with binary data anywhere inside. */
export function jsonValue({ binary: withBinary, protoKeys }: ValueOptions): fc.Arbitrary<unknown> {
  const key = objectKey(protoKeys);
  return fc.letrec<{ value: unknown; array: unknown[]; object: Record<string, unknown> }>(
    (tie) => ({
      value: withBinary
        ? fc.oneof(
            { depthSize: "small", withCrossShrink: true },
            { arbitrary: jsonLeaf, weight: 3 },
            { arbitrary: binary as fc.Arbitrary<unknown>, weight: 2 },
            { arbitrary: tie("array"), weight: 1 },
            { arbitrary: tie("object"), weight: 1 },
          )
        : fc.oneof(
            { depthSize: "small", withCrossShrink: true },
            { arbitrary: jsonLeaf, weight: 3 },
            { arbitrary: tie("array"), weight: 1 },
            { arbitrary: tie("object"), weight: 1 },
          ),
      array: fc.array(tie("value"), { maxLength: 5 }),
      object: fc.array(fc.tuple(key, tie("value")), { maxLength: 5 }).map(objectFrom),
    }),
  ).value;
}

/** A JSON object (for CONNECT and CONNECT_ERROR payloads). */
export function jsonObject(protoKeys: boolean): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .array(fc.tuple(objectKey(protoKeys), jsonValue({ binary: false, protoKeys })), {
      maxLength: 5,
    })
    .map(objectFrom);
}

export const namespace: fc.Arbitrary<string> = fc.oneof(
  fc.constant("/"),
  fc.string({ maxLength: 10 }).map((s) => `/${s.replaceAll(",", "")}`),
  fc.constantFrom("/admin", "/chat-room", "/ünï/cødé", "/123"),
);

export const ackId: fc.Arbitrary<number> = fc.oneof(
  fc.nat(100),
  fc.maxSafeNat(),
  fc.constant(Number.MAX_SAFE_INTEGER),
);

export interface PacketOptions extends ValueOptions {
  /** Event names the official parser accepts only (no reserved names). */
  officialNames: boolean;
}

/**
 * Valid socket packets of every type, as an application hands them to the encoder: EVENT and
 * ACK may hold binary, which the encoder turns into BINARY_EVENT / BINARY_ACK.
 */
export function socketPacket(options: PacketOptions): fc.Arbitrary<SocketPacket> {
  const args = fc.array(jsonValue(options), { maxLength: 4 });
  const name = fc
    .oneof(fc.string({ maxLength: 10 }), fc.constantFrom("message", "chat", "disconnect"))
    .filter((n) => !options.officialNames || !RESERVED_EVENTS.has(n));
  const optionalId = fc.option(ackId, { nil: undefined });
  return fc.oneof(
    fc.record({
      type: fc.constant(0 as const),
      nsp: namespace,
      data: fc.option(jsonObject(options.protoKeys), { nil: undefined }),
    }),
    fc.record({ type: fc.constant(1 as const), nsp: namespace }),
    fc.record({
      type: fc.constant(2 as const),
      nsp: namespace,
      id: optionalId,
      data: fc.tuple(name, args).map(([n, rest]) => [n, ...rest]),
    }),
    fc.record({ type: fc.constant(3 as const), nsp: namespace, id: ackId, data: args }),
    fc.record({
      type: fc.constant(4 as const),
      nsp: namespace,
      data: jsonObject(options.protoKeys),
    }),
  );
}

/** Text engine packets of every type, and binary message packets. */
export function enginePacket(forPayload: boolean): fc.Arbitrary<EnginePacket> {
  const text = fc
    .oneof(fc.string({ maxLength: 20 }), fc.string({ unit: "binary", maxLength: 20 }))
    // The record separator cannot appear inside a packet of a payload (spec, "Payload").
    .map((s) => (forPayload ? s.replaceAll("\x1e", "") : s));
  return fc.oneof(
    fc.record({
      type: fc.constantFrom(...ENGINE_TYPES),
      data: fc.option(text, { nil: undefined }),
    }),
    fc.record({ type: fc.constant("message" as const), data: binary }),
  );
}

// ---------------------------------------------------------------------------------------------
// What survives the trip

/** A fresh Buffer holding a copy of the bytes of any binary value (not Blob). */
export function bytesOf(data: BinaryData): Buffer {
  if (data instanceof ArrayBuffer) return Buffer.from(new Uint8Array(data));
  const view = data as ArrayBufferView;
  return Buffer.from(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
}

/**
 * `value` as it comes out of JSON plus attachments: binary as a Buffer of its bytes, -0 as 0,
 * undefined dropped from objects and null in arrays; "__proto__" stays an own key.
 */
export function expected(value: unknown): unknown {
  if (isBinary(value)) return bytesOf(value);
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : expected(v)));
  if (typeof value === "object" && value !== null) {
    const entries: [string, unknown][] = [];
    for (const key of Object.keys(value)) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) entries.push([key, expected(v)]);
    }
    return objectFrom(entries);
  }
  return Object.is(value, -0) ? 0 : value;
}

/** Binary values inside `value` replaced by Buffers of their bytes (for comparisons). */
export function asBuffers(value: unknown): unknown {
  if (isBinary(value)) return bytesOf(value);
  if (Array.isArray(value)) return value.map(asBuffers);
  if (typeof value === "object" && value !== null) {
    return objectFrom(
      Object.keys(value).map((k) => [k, asBuffers((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** How many binary values `value` holds (each occurrence counts: each is one attachment). */
export function countBinary(value: unknown): number {
  if (isBinary(value)) return 1;
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + countBinary(v), 0);
  if (typeof value === "object" && value !== null) {
    return Object.keys(value).reduce(
      (n, k) => n + countBinary((value as Record<string, unknown>)[k]),
      0,
    );
  }
  return 0;
}

/** The packet the decoder should produce for `packet` after a trip through our encoder. */
export function expectedSocketPacket(packet: SocketPacket): SocketPacket {
  const attachments = countBinary(packet.data);
  const out: SocketPacket = {
    type: attachments > 0 ? (packet.type === 2 || packet.type === 5 ? 5 : 6) : packet.type,
    nsp: packet.nsp ?? "/",
  };
  if (packet.id !== undefined) out.id = packet.id;
  if (attachments > 0) out.attachments = attachments;
  if (packet.data !== undefined) out.data = expected(packet.data);
  return out;
}

/** Text parts of valid encoded packets: seeds for mutation fuzzing. */
export const validEncoding: fc.Arbitrary<string> = socketPacket({
  binary: true,
  protoKeys: true,
  officialNames: false,
}).map((p) => encodeSocketPacket(p)[0]);
