import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type BinaryData,
  decodeSocketPacketText,
  defaultSocketCodecLimits,
  encodeSocketPacket,
  hasBinary,
  ProtocolError,
  ProtocolErrorCode,
  SocketDecoder,
  type SocketPacket,
  SocketPacketType,
} from "@switchboard/protocol";

function throwsCode(fn: () => unknown, code: ProtocolErrorCode): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ProtocolError, `not a ProtocolError: ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}

/** Feeds every part to a fresh decoder; only the last may complete the packet. */
function decodeAll(parts: readonly (string | BinaryData)[], decoder = new SocketDecoder()) {
  let packet: SocketPacket | undefined;
  for (const [i, part] of parts.entries()) {
    packet = decoder.add(part);
    if (i < parts.length - 1) assert.equal(packet, undefined, `complete after part ${i}`);
  }
  assert.ok(packet, "the last part completes the packet");
  assert.equal(decoder.awaitingAttachments, false);
  return packet;
}

const { CONNECT, DISCONNECT, EVENT, ACK, CONNECT_ERROR, BINARY_EVENT, BINARY_ACK } =
  SocketPacketType;
const b1234 = () => Buffer.from([1, 2, 3, 4]);

/**
 * Every example of the Socket.IO v5 specification (socketio/socket.io-protocol, "Packet
 * encoding" and "Sample session"): the packet as the spec writes it, and its parts on the wire.
 * Binary packets decode to their BINARY_* type with `attachments` set.
 */
const specExamples: [string, SocketPacket, (string | Buffer)[]][] = [
  ["CONNECT /", { type: CONNECT, nsp: "/" }, ["0"]],
  [
    "CONNECT / with sid",
    { type: CONNECT, nsp: "/", data: { sid: "wZX3oN0bSVIhsaknAAAI" } },
    ['0{"sid":"wZX3oN0bSVIhsaknAAAI"}'],
  ],
  ["CONNECT /admin", { type: CONNECT, nsp: "/admin" }, ["0/admin,"]],
  [
    "CONNECT /admin with sid",
    { type: CONNECT, nsp: "/admin", data: { sid: "oSO0OpakMV_3jnilAAAA" } },
    ['0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"}'],
  ],
  [
    "CONNECT /admin with sid (sample session)",
    { type: CONNECT, nsp: "/admin", data: { sid: "-G5j-67EZFp-q59rADQM" } },
    ['0/admin,{"sid":"-G5j-67EZFp-q59rADQM"}'],
  ],
  [
    "CONNECT_ERROR",
    { type: CONNECT_ERROR, nsp: "/", data: { message: "Not authorized" } },
    ['4{"message":"Not authorized"}'],
  ],
  ["EVENT /", { type: EVENT, nsp: "/", data: ["foo"] }, ['2["foo"]']],
  ["EVENT /admin", { type: EVENT, nsp: "/admin", data: ["bar"] }, ['2/admin,["bar"]']],
  [
    "BINARY_EVENT, one attachment",
    { type: BINARY_EVENT, nsp: "/", attachments: 1, data: ["baz", b1234()] },
    ['51-["baz",{"_placeholder":true,"num":0}]', b1234()],
  ],
  [
    "BINARY_EVENT /admin, two attachments",
    {
      type: BINARY_EVENT,
      nsp: "/admin",
      attachments: 2,
      data: ["baz", Buffer.from([1, 2]), Buffer.from([3, 4])],
    },
    [
      '52-/admin,["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]',
      Buffer.from([1, 2]),
      Buffer.from([3, 4]),
    ],
  ],
  ["EVENT with id 12", { type: EVENT, nsp: "/", id: 12, data: ["foo"] }, ['212["foo"]']],
  ["ACK 12, empty", { type: ACK, nsp: "/", id: 12, data: [] }, ["312[]"]],
  [
    "EVENT /admin with id 13",
    { type: EVENT, nsp: "/admin", id: 13, data: ["foo"] },
    ['2/admin,13["foo"]'],
  ],
  ["ACK /admin 13", { type: ACK, nsp: "/admin", id: 13, data: ["bar"] }, ['3/admin,13["bar"]']],
  [
    "BINARY_EVENT with id 14",
    { type: BINARY_EVENT, nsp: "/", id: 14, attachments: 1, data: ["foo", b1234()] },
    ['51-14["foo",{"_placeholder":true,"num":0}]', b1234()],
  ],
  ["ACK 14", { type: ACK, nsp: "/", id: 14, data: ["bar"] }, ['314["bar"]']],
  ["EVENT with id 15", { type: EVENT, nsp: "/", id: 15, data: ["foo"] }, ['215["foo"]']],
  [
    "BINARY_ACK 15",
    { type: BINARY_ACK, nsp: "/", id: 15, attachments: 1, data: ["bar", b1234()] },
    ['61-15["bar",{"_placeholder":true,"num":0}]', b1234()],
  ],
  ["DISCONNECT /", { type: DISCONNECT, nsp: "/" }, ["1"]],
  ["DISCONNECT /admin", { type: DISCONNECT, nsp: "/admin" }, ["1/admin,"]],
  ["sample session: EVENT", { type: EVENT, nsp: "/", data: ["hey", "Jude"] }, ['2["hey","Jude"]']],
  ["sample session: EVENT hello", { type: EVENT, nsp: "/", data: ["hello"] }, ['2["hello"]']],
  [
    "sample session: EVENT with ack",
    { type: EVENT, nsp: "/admin", id: 1, data: ["tellme"] },
    ['2/admin,1["tellme"]'],
  ],
  [
    "sample session: BINARY_ACK",
    { type: BINARY_ACK, nsp: "/admin", id: 1, attachments: 1, data: [Buffer.from([0xff])] },
    ['61-/admin,1[{"_placeholder":true,"num":0}]', Buffer.from([0xff])],
  ],
];

describe("socket packets: the specification's examples", () => {
  for (const [name, packet, wire] of specExamples) {
    test(`${name}: ${JSON.stringify(wire[0])}`, () => {
      const encoded = encodeSocketPacket(packet);
      assert.deepEqual(encoded, wire);
      assert.deepEqual(decodeAll(wire), packet);
    });
  }

  test("the spec's plain types are upgraded to binary ones when data holds binary", () => {
    assert.deepEqual(encodeSocketPacket({ type: EVENT, nsp: "/", data: ["baz", b1234()] }), [
      '51-["baz",{"_placeholder":true,"num":0}]',
      b1234(),
    ]);
    assert.deepEqual(encodeSocketPacket({ type: ACK, nsp: "/", id: 15, data: ["bar", b1234()] }), [
      '61-15["bar",{"_placeholder":true,"num":0}]',
      b1234(),
    ]);
    // ... and binary types without binary go out as plain ones.
    assert.deepEqual(encodeSocketPacket({ type: BINARY_EVENT, nsp: "/", data: ["x"] }), ['2["x"]']);
    assert.deepEqual(encodeSocketPacket({ type: BINARY_ACK, nsp: "/", id: 1, data: [] }), ["31[]"]);
  });
});

describe("socket packet encoding", () => {
  test("binary anywhere: nested, repeated, every binary kind, in order of appearance", () => {
    const ab = new Uint8Array([5]).buffer;
    const view = new Uint8Array([9, 6, 9]).subarray(1, 2);
    const buf = Buffer.from([7]);
    const [head, ...bins] = encodeSocketPacket({
      type: EVENT,
      nsp: "/",
      data: ["e", { a: [ab, { b: view }] }, buf, buf],
    });
    assert.equal(
      head,
      '54-["e",{"a":[{"_placeholder":true,"num":0},{"b":{"_placeholder":true,"num":1}}]},' +
        '{"_placeholder":true,"num":2},{"_placeholder":true,"num":3}]',
    );
    assert.deepEqual(bins, [ab, view, buf, buf]);
  });

  test("does not modify the caller's data", () => {
    const file = Buffer.from([1]);
    const inner = { file };
    const data = ["e", inner];
    encodeSocketPacket({ type: EVENT, nsp: "/", data });
    assert.equal(data[1], inner);
    assert.equal(inner.file, file);
    assert.deepEqual(data, ["e", { file: Buffer.from([1]) }]);
  });

  test("follows toJSON as JSON.stringify does, binary in its result included", () => {
    const withBinary = { toJSON: () => ({ blob: Buffer.from([1]) }) };
    assert.deepEqual(encodeSocketPacket({ type: EVENT, nsp: "/", data: ["e", withBinary] }), [
      '51-["e",{"blob":{"_placeholder":true,"num":0}}]',
      Buffer.from([1]),
    ]);
    const date = new Date(0);
    assert.deepEqual(encodeSocketPacket({ type: EVENT, nsp: "/", data: ["e", date] }), [
      '2["e","1970-01-01T00:00:00.000Z"]',
    ]);
  });

  test("refuses unknown types, bad namespaces and bad ack ids", () => {
    for (const type of [7, -1, 1.5, "2", Number.NaN, undefined]) {
      throwsCode(
        () => encodeSocketPacket({ type, nsp: "/", data: ["x"] } as never),
        ProtocolErrorCode.UNENCODABLE,
      );
    }
    for (const nsp of ["admin", "/a,b", "", 5, null]) {
      throwsCode(
        () => encodeSocketPacket({ type: EVENT, nsp, data: ["x"] } as never),
        ProtocolErrorCode.UNENCODABLE,
      );
    }
    for (const id of [-1, 1.5, Number.NaN, 2 ** 53, Number.POSITIVE_INFINITY, "1", null]) {
      throwsCode(
        () => encodeSocketPacket({ type: EVENT, nsp: "/", id, data: ["x"] } as never),
        ProtocolErrorCode.UNENCODABLE,
      );
    }
  });

  test("refuses payloads the receiving side would refuse, type by type", () => {
    const bad: SocketPacket[] = [
      { type: CONNECT, nsp: "/", data: [] },
      { type: CONNECT, nsp: "/", data: "token" },
      { type: CONNECT, nsp: "/", data: null },
      { type: DISCONNECT, nsp: "/", data: {} },
      { type: EVENT, nsp: "/", data: [] },
      { type: EVENT, nsp: "/", data: [1, "x"] },
      { type: EVENT, nsp: "/", data: { 0: "x" } },
      { type: EVENT, nsp: "/" },
      { type: BINARY_EVENT, nsp: "/", data: [Buffer.from([1])] },
      { type: ACK, nsp: "/", data: [] }, // no id
      { type: ACK, nsp: "/", id: 1, data: "x" },
      { type: BINARY_ACK, nsp: "/", id: 1 },
      { type: CONNECT_ERROR, nsp: "/", data: "Not authorized" },
      { type: CONNECT_ERROR, nsp: "/" },
      { type: CONNECT, nsp: "/", id: 1 },
      { type: DISCONNECT, nsp: "/", id: 1 },
      { type: CONNECT_ERROR, nsp: "/", id: 1, data: { message: "x" } },
    ];
    for (const packet of bad) {
      throwsCode(() => encodeSocketPacket(packet), ProtocolErrorCode.UNENCODABLE);
    }
  });

  test("refuses data JSON.stringify cannot serialize", () => {
    throwsCode(
      () => encodeSocketPacket({ type: EVENT, nsp: "/", data: ["e", 10n] }),
      ProtocolErrorCode.UNENCODABLE,
    );
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    throwsCode(
      () => encodeSocketPacket({ type: CONNECT, nsp: "/", data: cyclic }),
      ProtocolErrorCode.UNENCODABLE,
    );
  });

  test("hasBinary looks everywhere and checks its depth argument", () => {
    assert.equal(hasBinary(["a", { b: [1, { c: new Uint8Array(1) }] }]), true);
    assert.equal(hasBinary(["a", { b: [1, { c: "d" }] }, null, 1]), false);
    assert.equal(hasBinary(new Blob([])), true);
    assert.equal(hasBinary({ toJSON: () => [new ArrayBuffer(1)] }), true);
    assert.equal(hasBinary("x"), false);
    for (const depth of [0, -1, 1.5, Number.NaN]) {
      throwsCode(() => hasBinary([], depth), ProtocolErrorCode.BAD_OPTION);
    }
  });
});

describe("socket packet decoding", () => {
  test("defaults: namespace /, no id, no data", () => {
    assert.deepEqual(decodeSocketPacketText("1"), { type: DISCONNECT, nsp: "/" });
    assert.deepEqual(decodeSocketPacketText("0/a"), { type: CONNECT, nsp: "/a" });
    assert.deepEqual(decodeSocketPacketText("0/"), { type: CONNECT, nsp: "/" });
  });

  test("ack ids: every safe integer, and nothing beyond", () => {
    assert.equal(decodeSocketPacketText("30[]").id, 0);
    assert.equal(decodeSocketPacketText("3007[]").id, 7);
    assert.equal(
      decodeSocketPacketText(`3${Number.MAX_SAFE_INTEGER}[]`).id,
      Number.MAX_SAFE_INTEGER,
    );
    assert.equal(decodeSocketPacketText("31000000000000000[]").id, 1e15);
    for (const id of [
      "9007199254740992",
      "9999999999999999",
      "12345678901234567",
      "1".repeat(400),
    ]) {
      throwsCode(() => decodeSocketPacketText(`3${id}[]`), ProtocolErrorCode.BAD_PACKET_HEADER);
      throwsCode(
        () => decodeSocketPacketText(`2/a,${id}["e"]`),
        ProtocolErrorCode.BAD_PACKET_HEADER,
      );
    }
    throwsCode(() => decodeSocketPacketText("3-1[]"), ProtocolErrorCode.BAD_JSON);
    throwsCode(() => decodeSocketPacketText("31.5[]"), ProtocolErrorCode.BAD_JSON);
  });

  test("unknown types", () => {
    for (const text of ["", "7", "9[]", "x", " 2[]", "-1", "/"]) {
      throwsCode(() => decodeSocketPacketText(text), ProtocolErrorCode.UNKNOWN_SOCKET_PACKET);
      throwsCode(() => new SocketDecoder().add(text), ProtocolErrorCode.UNKNOWN_SOCKET_PACKET);
    }
  });

  test("attachment headers", () => {
    const placeholder = '["e",{"_placeholder":true,"num":0}]';
    for (const header of ["5", "5-", "50-", "5a-", "51", "5 1-", "5-1-", "512345678901-", "6x1-"]) {
      throwsCode(
        () => decodeSocketPacketText(`${header}${placeholder}`),
        ProtocolErrorCode.BAD_PACKET_HEADER,
      );
    }
    assert.equal(decodeSocketPacketText(`51-${placeholder}`).attachments, 1);
  });

  test("namespaces: what the header says, or a refusal", () => {
    assert.equal(decodeSocketPacketText('2/a b,["e"]').nsp, "/a b");
    assert.equal(decodeSocketPacketText('2/ünï,["e"]').nsp, "/ünï");
    // Without "/" there is no namespace, and what follows must be an id or JSON.
    throwsCode(() => decodeSocketPacketText('2admin,["e"]'), ProtocolErrorCode.BAD_JSON);
    // A namespace runs to the comma: without one, the payload is swallowed and missing.
    throwsCode(() => decodeSocketPacketText('2/admin["e"]'), ProtocolErrorCode.BAD_PAYLOAD);
  });

  test("payload validation, type by type (spec, Exchange protocol)", () => {
    const valid = [
      "0",
      '0{"token":"123"}',
      "0/a,{}",
      "1",
      "1/a,",
      '2["e"]',
      '2["e",1,{}]',
      "31[]",
      '31["x",null]',
      '4{"message":"no"}',
    ];
    for (const text of valid) assert.doesNotThrow(() => decodeSocketPacketText(text), text);
    const invalid = [
      "0[]", // CONNECT: object or absent
      '0"x"',
      "0null",
      "01", // 1 is an ack id, and CONNECT takes none
      "1{}", // DISCONNECT: no payload
      "1[]",
      "11",
      '41{"message":"no"}', // CONNECT_ERROR: no ack id either
      "2[]", // EVENT: non-empty array, string first
      "2[1]",
      '2{"0":"e"}',
      "2",
      "2null",
      "3[]", // ACK: an id and an array
      "31",
      '31{"a":1}',
      "4", // CONNECT_ERROR: object
      '4"Not authorized"',
      "4[]",
      '51-[{"_placeholder":true,"num":0}]', // BINARY_EVENT: a string first
      '61-1{"a":{"_placeholder":true,"num":0}}', // BINARY_ACK: an array
    ];
    for (const text of invalid) {
      throwsCode(() => decodeSocketPacketText(text), ProtocolErrorCode.BAD_PAYLOAD);
    }
  });

  test("bad JSON", () => {
    for (const text of ['2["e"', "2[e]", '2["e"]]', "2{", "0{'a':1}", "3 1[]"]) {
      throwsCode(() => decodeSocketPacketText(text), ProtocolErrorCode.BAD_JSON);
    }
  });
});

describe("SocketDecoder: waiting for attachments", () => {
  const head = '52-["e",{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}]';

  test("waits for exactly the announced number, then places each by its num", () => {
    const decoder = new SocketDecoder();
    assert.equal(decoder.add(head), undefined);
    assert.equal(decoder.awaitingAttachments, true);
    assert.equal(decoder.add(Buffer.from([0])), undefined);
    assert.equal(decoder.awaitingAttachments, true);
    const packet = decoder.add(new Uint8Array([1]).buffer);
    assert.deepEqual(packet, {
      type: BINARY_EVENT,
      nsp: "/",
      attachments: 2,
      data: ["e", new Uint8Array([1]).buffer, Buffer.from([0])],
    });
    assert.equal(decoder.awaitingAttachments, false);
    // ... and is ready for the next packet.
    assert.deepEqual(decoder.add('2["next"]'), { type: EVENT, nsp: "/", data: ["next"] });
  });

  test("a text packet while attachments are due is refused, and the decoder starts over", () => {
    const decoder = new SocketDecoder();
    decoder.add(head);
    decoder.add(Buffer.from([0]));
    throwsCode(() => decoder.add('2["e"]'), ProtocolErrorCode.MISSING_ATTACHMENT);
    assert.equal(decoder.awaitingAttachments, false);
    assert.deepEqual(decoder.add('2["e"]'), { type: EVENT, nsp: "/", data: ["e"] });
  });

  test("an attachment when none is due is refused", () => {
    const decoder = new SocketDecoder();
    throwsCode(() => decoder.add(Buffer.from([1])), ProtocolErrorCode.UNEXPECTED_ATTACHMENT);
    decoder.add('51-["e",{"_placeholder":true,"num":0}]');
    decoder.add(Buffer.from([1]));
    throwsCode(() => decoder.add(Buffer.from([2])), ProtocolErrorCode.UNEXPECTED_ATTACHMENT);
  });

  test("chunks that are neither text nor binary are refused", () => {
    for (const chunk of [1, null, undefined, {}, ["2"], true]) {
      const decoder = new SocketDecoder();
      assert.throws(() => decoder.add(chunk as never), ProtocolError);
      decoder.add('51-["e",{"_placeholder":true,"num":0}]');
      throwsCode(() => decoder.add(chunk as never), ProtocolErrorCode.BAD_PAYLOAD);
      assert.equal(decoder.awaitingAttachments, false);
    }
  });

  test("reset() drops a partly received packet", () => {
    const decoder = new SocketDecoder();
    decoder.add(head);
    decoder.reset();
    assert.equal(decoder.awaitingAttachments, false);
    throwsCode(() => decoder.add(Buffer.from([1])), ProtocolErrorCode.UNEXPECTED_ATTACHMENT);
  });

  test("placeholders must point at an announced attachment", () => {
    const bad = [
      '{"_placeholder":true,"num":1}',
      '{"_placeholder":true,"num":-1}',
      '{"_placeholder":true,"num":"0"}',
      '{"_placeholder":true,"num":0.5}',
      '{"_placeholder":true,"num":null}',
      '{"_placeholder":true}',
      '{"_placeholder":true,"num":1e400}',
      '{"_placeholder":true,"num":"length"}',
      '{"_placeholder":true,"num":"__proto__"}',
    ];
    for (const placeholder of bad) {
      const decoder = new SocketDecoder();
      assert.equal(decoder.add(`51-["e",${placeholder}]`), undefined);
      throwsCode(() => decoder.add(Buffer.from([1])), ProtocolErrorCode.BAD_PLACEHOLDER);
      assert.equal(decoder.awaitingAttachments, false);
    }
    // Only `true` makes a placeholder; other objects are data.
    const decoder = new SocketDecoder();
    decoder.add('51-["e",{"_placeholder":"true","num":0},{"_placeholder":true,"num":0}]');
    assert.deepEqual(decoder.add(Buffer.from([1]))?.data, [
      "e",
      { _placeholder: "true", num: 0 },
      Buffer.from([1]),
    ]);
  });

  test("options are validated, defaulted with ??, and the caller's object is left alone", () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, "3", 2 ** 53]) {
      throwsCode(
        () => new SocketDecoder({ maxAttachments: bad as never }),
        ProtocolErrorCode.BAD_OPTION,
      );
      throwsCode(() => new SocketDecoder({ maxDepth: bad as never }), ProtocolErrorCode.BAD_OPTION);
      throwsCode(
        () =>
          encodeSocketPacket({ type: EVENT, nsp: "/", data: ["e"] }, { maxDepth: bad as never }),
        ProtocolErrorCode.BAD_OPTION,
      );
    }
    const options = Object.freeze({ maxAttachments: undefined, maxDepth: 3 });
    const decoder = new SocketDecoder(options);
    assert.deepEqual(options, { maxAttachments: undefined, maxDepth: 3 });
    // maxAttachments fell back to its default.
    const max = defaultSocketCodecLimits.maxAttachments;
    assert.equal(decoder.add(`5${max}-["e"]`), undefined);
    assert.ok(Object.isFrozen(defaultSocketCodecLimits));
    assert.deepEqual(defaultSocketCodecLimits, { maxAttachments: 64, maxDepth: 100 });
  });
});
