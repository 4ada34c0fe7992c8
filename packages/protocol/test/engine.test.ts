import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  decodeEnginePacket,
  decodeEnginePayload,
  type EnginePacket,
  encodeEnginePacket,
  encodeEnginePacketAsync,
  encodeEnginePayload,
  encodeEnginePayloadAsync,
  enginePacketCode,
  ProtocolErrorCode,
  RECORD_SEPARATOR,
} from "@switchboard/protocol";
import { throwsCode } from "./helpers.ts";

// Every example of the Engine.IO v4 specification (socketio/engine.io-protocol, README.md,
// revision 4), plus the engine-level frames of the Socket.IO v5 sample session: each is
// encoded from its packet byte for byte and decoded back to its packet.
const HANDSHAKE =
  '{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":5000}';
const HANDSHAKE_WS = '{"sid":"lv_VI97HAXpY6yYWAAAC","pingInterval":25000,"pingTimeout":5000}';
const HANDSHAKE_SIO =
  '{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":5000,"maxPayload":1000000}';

const specPackets: [string, EnginePacket][] = [
  [`0${HANDSHAKE}`, { type: "open", data: HANDSHAKE }],
  [`0${HANDSHAKE_WS}`, { type: "open", data: HANDSHAKE_WS }],
  [`0${HANDSHAKE_SIO}`, { type: "open", data: HANDSHAKE_SIO }],
  ["4hey", { type: "message", data: "hey" }],
  ["2probe", { type: "ping", data: "probe" }],
  ["3probe", { type: "pong", data: "probe" }],
  ["5", { type: "upgrade" }],
  ["4hello", { type: "message", data: "hello" }],
  ["4world", { type: "message", data: "world" }],
  ["2", { type: "ping" }],
  ["3", { type: "pong" }],
  ["1", { type: "close" }],
  ["4HelloWorld", { type: "message", data: "HelloWorld" }],
  ["6", { type: "noop" }],
  ['42["hey","Jude"]', { type: "message", data: '2["hey","Jude"]' }],
  ["40", { type: "message", data: "0" }],
  [
    '40{"sid":"wZX3oN0bSVIhsaknAAAI"}',
    { type: "message", data: '0{"sid":"wZX3oN0bSVIhsaknAAAI"}' },
  ],
  ["40/admin,", { type: "message", data: "0/admin," }],
  ['42/admin,1["tellme"]', { type: "message", data: '2/admin,1["tellme"]' }],
  [
    '461-/admin,1[{"_placeholder":true,"num":0}]',
    { type: "message", data: '61-/admin,1[{"_placeholder":true,"num":0}]' },
  ],
];

const specPayloads: [string, EnginePacket[]][] = [
  [
    "4hello\x1e4world",
    [
      { type: "message", data: "hello" },
      { type: "message", data: "world" },
    ],
  ],
  [
    "4hello\x1e4€",
    [
      { type: "message", data: "hello" },
      { type: "message", data: "€" },
    ],
  ],
  [
    "4€\x1ebAQIDBA==",
    [
      { type: "message", data: "€" },
      { type: "message", data: Buffer.from([1, 2, 3, 4]) },
    ],
  ],
  [
    '42["hello"]\x1e42["world"]',
    [
      { type: "message", data: '2["hello"]' },
      { type: "message", data: '2["world"]' },
    ],
  ],
  [`0${HANDSHAKE}`, [{ type: "open", data: HANDSHAKE }]],
];

describe("engine packets: the specification's examples", () => {
  for (const [wire, packet] of specPackets) {
    test(`${JSON.stringify(wire)} <-> ${JSON.stringify(packet)}`, () => {
      assert.equal(encodeEnginePacket(packet, false), wire);
      assert.equal(encodeEnginePacket(packet, true), wire);
      assert.deepEqual(decodeEnginePacket(wire), packet);
    });
  }

  test("a binary frame is a message, its type not included (<01 02 03 04>)", () => {
    const bytes = Buffer.from([1, 2, 3, 4]);
    assert.equal(encodeEnginePacket({ type: "message", data: bytes }, true), bytes);
    assert.deepEqual(decodeEnginePacket(bytes), { type: "message", data: bytes });
  });

  test("binary on a text-only transport is b + base64 (AQIDBA==)", () => {
    const packet = { type: "message" as const, data: Buffer.from([1, 2, 3, 4]) };
    assert.equal(encodeEnginePacket(packet, false), "bAQIDBA==");
    assert.deepEqual(decodeEnginePacket("bAQIDBA=="), packet);
  });
});

describe("engine payloads: the specification's examples", () => {
  for (const [wire, packets] of specPayloads) {
    test(`${JSON.stringify(wire)} <-> ${packets.length} packet(s)`, async () => {
      assert.equal(encodeEnginePayload(packets), wire);
      assert.equal(await encodeEnginePayloadAsync(packets), wire);
      assert.deepEqual(decodeEnginePayload(wire), packets);
    });
  }
});

describe("engine packet encoding", () => {
  test("every type has its digit, and an empty string adds nothing", () => {
    for (const [type, digit] of Object.entries(enginePacketCode)) {
      const packet = { type, data: "" } as EnginePacket;
      assert.equal(encodeEnginePacket(packet, true), digit);
      assert.equal(encodeEnginePacket({ type } as EnginePacket, false), digit);
    }
    assert.equal(RECORD_SEPARATOR, "\x1e");
    assert.deepEqual(Object.keys(enginePacketCode), [
      "open",
      "close",
      "ping",
      "pong",
      "message",
      "upgrade",
      "noop",
    ]);
    // No inherited keys: a lookup by a name off the wire finds nothing it should not.
    assert.equal(Object.getPrototypeOf(enginePacketCode), null);
    assert.equal((enginePacketCode as Record<string, unknown>).constructor, undefined);
    assert.ok(Object.isFrozen(enginePacketCode));
  });

  test("typed arrays and views at an offset encode only their own bytes", () => {
    const whole = new Uint8Array([9, 9, 1, 2, 3, 9]);
    assert.equal(
      encodeEnginePacket({ type: "message", data: whole.subarray(2, 5) }, false),
      `b${Buffer.from([1, 2, 3]).toString("base64")}`,
    );
    assert.equal(
      encodeEnginePacket({ type: "message", data: new DataView(whole.buffer, 2, 3) }, false),
      "bAQID",
    );
    assert.equal(
      encodeEnginePacket({ type: "message", data: new Uint16Array([0x0201]) }, false),
      "bAQI=",
    );
    assert.equal(
      encodeEnginePacket({ type: "message", data: new Uint8Array([1, 2]).buffer }, false),
      "bAQI=",
    );
  });

  test("refuses what it cannot put on the wire", () => {
    const bad: unknown[] = [
      { type: "pong", data: Buffer.from([1]) }, // binary is for messages only
      { type: "message", data: 42 },
      { type: "message", data: null },
      { type: "message", data: { a: 1 } },
      { type: "hello", data: "x" },
      { type: "toString" },
      { type: "constructor", data: "x" },
    ];
    for (const packet of bad) {
      throwsCode(
        () => encodeEnginePacket(packet as EnginePacket, false),
        ProtocolErrorCode.UNENCODABLE,
      );
      throwsCode(
        () => encodeEnginePayload([packet as EnginePacket]),
        ProtocolErrorCode.UNENCODABLE,
      );
    }
  });

  test("a Blob goes out as is on a binary transport, as base64 asynchronously otherwise", async () => {
    const blob = new Blob([new Uint8Array([1, 2, 3, 4])]);
    assert.equal(encodeEnginePacket({ type: "message", data: blob }, true), blob);
    throwsCode(
      () => encodeEnginePacket({ type: "message", data: blob }, false),
      ProtocolErrorCode.BLOB_NEEDS_ASYNC,
    );
    assert.equal(
      await encodeEnginePacketAsync({ type: "message", data: blob }, false),
      "bAQIDBA==",
    );
    assert.equal(await encodeEnginePacketAsync({ type: "message", data: blob }, true), blob);
    assert.equal(
      await encodeEnginePayloadAsync([
        { type: "message", data: "x" },
        { type: "message", data: blob },
      ]),
      "4x\x1ebAQIDBA==",
    );
  });
});

describe("engine packet decoding", () => {
  test("hands binary out as the requested type", () => {
    const cases = [
      ["nodebuffer", Buffer],
      ["uint8array", Uint8Array],
      ["arraybuffer", ArrayBuffer],
      ["blob", Blob],
    ] as const;
    for (const [binaryType, kind] of cases) {
      for (const input of ["bAQID", new Uint8Array([1, 2, 3]).buffer, Buffer.from([1, 2, 3])]) {
        const packet = decodeEnginePacket(input, binaryType);
        assert.equal(packet.type, "message");
        assert.ok(packet.data instanceof kind, `${binaryType} from ${typeof input}`);
        if (!(packet.data instanceof Blob)) {
          const view =
            packet.data instanceof ArrayBuffer ? new Uint8Array(packet.data) : packet.data;
          assert.deepEqual([...(view as Uint8Array)], [1, 2, 3]);
        }
      }
    }
    // ArrayBuffer of exactly the bytes, even when base64 decoding used a pooled slice.
    const ab = decodeEnginePacket("bAQID", "arraybuffer").data as ArrayBuffer;
    assert.equal(ab.byteLength, 3);
  });

  test("a polling payload with binary decodes to the requested type", () => {
    const [text, bin] = decodeEnginePayload("4a\x1ebAQI=", "arraybuffer");
    assert.deepEqual(text, { type: "message", data: "a" });
    assert.ok(bin?.data instanceof ArrayBuffer);
    assert.deepEqual([...new Uint8Array(bin.data)], [1, 2]);
  });

  test("refuses empty packets, empty records and unknown types", () => {
    throwsCode(() => decodeEnginePacket(""), ProtocolErrorCode.EMPTY_PACKET);
    for (const payload of ["", "4a\x1e", "\x1e4a", "4a\x1e\x1e4b"]) {
      throwsCode(() => decodeEnginePayload(payload), ProtocolErrorCode.EMPTY_PACKET);
    }
    for (const text of ["7", "9hello", "x", "/", "a4", " 4"]) {
      throwsCode(() => decodeEnginePacket(text), ProtocolErrorCode.UNKNOWN_ENGINE_PACKET);
      throwsCode(
        () => decodeEnginePayload(`4ok\x1e${text}`),
        ProtocolErrorCode.UNKNOWN_ENGINE_PACKET,
      );
    }
    throwsCode(() => decodeEnginePacket("\x1e"), ProtocolErrorCode.UNKNOWN_ENGINE_PACKET);
  });

  test("refuses input that is neither text nor binary", () => {
    for (const input of [42, null, undefined, {}, ["4a"]]) {
      throwsCode(() => decodeEnginePacket(input as never), ProtocolErrorCode.UNKNOWN_ENGINE_PACKET);
      throwsCode(
        () => decodeEnginePayload(input as never),
        ProtocolErrorCode.UNKNOWN_ENGINE_PACKET,
      );
    }
    // A Buffer is not a polling payload either (a transport must decode the body as text).
    throwsCode(
      () => decodeEnginePayload(Buffer.from("4a") as never),
      ProtocolErrorCode.UNKNOWN_ENGINE_PACKET,
    );
  });

  test("keeps the data of a packet whose data looks like another packet", () => {
    assert.deepEqual(decodeEnginePacket("44"), { type: "message", data: "4" });
    assert.deepEqual(decodeEnginePacket("2b"), { type: "ping", data: "b" });
    assert.deepEqual(decodeEnginePayload("4\x1e3"), [{ type: "message" }, { type: "pong" }]);
  });
});
