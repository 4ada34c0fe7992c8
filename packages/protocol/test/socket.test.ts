import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type BinaryData,
  encodeSocketPacket,
  SocketDecoder,
  type SocketPacket,
  SocketPacketType,
} from "@switchboard/protocol";

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
    "CONNECT /admin with an auth payload",
    { type: CONNECT, nsp: "/admin", data: { token: "123" } },
    ['0/admin,{"token":"123"}'],
  ],
  [
    "CONNECT /admin granted (exchange example)",
    { type: CONNECT, nsp: "/admin", data: { sid: "iLnRaVGHY4B75TeVAAAB" } },
    ['0/admin,{"sid":"iLnRaVGHY4B75TeVAAAB"}'],
  ],
  [
    "CONNECT /admin granted (history, v5)",
    { type: CONNECT, nsp: "/admin", data: { sid: "CjdVH4TQvovi1VvgAC5Z" } },
    ['0/admin,{"sid":"CjdVH4TQvovi1VvgAC5Z"}'],
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
