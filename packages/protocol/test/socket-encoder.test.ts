import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  encodeSocketPacket,
  hasBinary,
  ProtocolErrorCode,
  type SocketPacket,
  SocketPacketType,
} from "@switchboard/protocol";
import { throwsBadOption, throwsCode } from "./helpers.ts";

const { CONNECT, DISCONNECT, EVENT, ACK, CONNECT_ERROR, BINARY_EVENT, BINARY_ACK } =
  SocketPacketType;

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
      throwsBadOption(() => hasBinary([], depth));
    }
  });
});
