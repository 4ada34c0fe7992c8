import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  decodeSocketPacketText,
  defaultSocketCodecLimits,
  encodeSocketPacket,
  ProtocolError,
  ProtocolErrorCode,
  SocketDecoder,
  SocketPacketType,
} from "@switchboard/protocol";
import { throwsBadOption, throwsCode } from "./helpers.ts";

const { CONNECT, DISCONNECT, EVENT, BINARY_EVENT } = SocketPacketType;

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
    for (const input of [2, null, undefined, {}, ["2[]"]]) {
      throwsCode(
        () => decodeSocketPacketText(input as never),
        ProtocolErrorCode.UNKNOWN_SOCKET_PACKET,
      );
    }
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
      // What socket.io-parser accepts from a Socket.IO v4 server or python-socketio 5 (the
      // encoder never writes it: see socket-encoder.test.ts).
      '4"Not authorized"',
      '4/admin,"Unable to connect"',
    ];
    for (const text of valid) assert.doesNotThrow(() => decodeSocketPacketText(text), text);
    assert.deepEqual(decodeSocketPacketText('4/admin,"Unable to connect"'), {
      type: SocketPacketType.CONNECT_ERROR,
      nsp: "/admin",
      data: "Unable to connect",
    });
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
      "4", // CONNECT_ERROR: object (or string)
      "4[]",
      "41",
      "4null",
      '51-[{"_placeholder":true,"num":0}]', // BINARY_EVENT: a string first
      '61-1{"a":{"_placeholder":true,"num":0}}', // BINARY_ACK: an array
    ];
    for (const text of invalid) {
      throwsCode(() => decodeSocketPacketText(text), ProtocolErrorCode.BAD_PAYLOAD);
    }
  });

  test("a bad payload after a good header names its namespace; a bad header does not", () => {
    const alone = ['2/admin,{"a":1}', "3/admin,1{}", "2/admin,[1", "0/admin,[]", "1/admin,{}"];
    for (const text of alone) {
      const decoder = new SocketDecoder();
      assert.throws(() => decoder.add(text), { nsp: "/admin" }, text);
      // ... and the decoder takes the next packet as if nothing happened.
      assert.deepEqual(decoder.add('2/admin,["ok"]'), { type: EVENT, nsp: "/admin", data: ["ok"] });
    }
    assert.throws(() => new SocketDecoder().add('2["e",{}'), { nsp: "/" });
    const tooDeep = `2/x,[${"[".repeat(120)}${"]".repeat(120)}]`;
    assert.throws(() => new SocketDecoder().add(tooDeep), { code: "SB_ERR_TOO_DEEP", nsp: "/x" });
    // The stream is broken: no namespace to blame.
    for (const text of ["9", "5x-/admin,[]", '31234567890123456789/admin,["e"]']) {
      assert.throws(
        () => new SocketDecoder().add(text),
        (e: ProtocolError) => e.nsp === undefined,
        text,
      );
    }
    // A binary packet whose text is bad still has attachments on the way: not alone.
    assert.throws(
      () => new SocketDecoder().add('51-/admin,{"a":{"_placeholder":true,"num":0}}'),
      (e: ProtocolError) => e.code === "SB_ERR_BAD_PAYLOAD" && e.nsp === undefined,
    );
    // A bad placeholder is found once every attachment is in: alone.
    const decoder = new SocketDecoder();
    decoder.add('51-/admin,["e",{"_placeholder":true,"num":7}]');
    assert.throws(() => decoder.add(Buffer.from([1])), {
      code: "SB_ERR_BAD_PLACEHOLDER",
      nsp: "/admin",
    });
    assert.equal(decoder.awaitingAttachments, false);
    assert.deepEqual(decoder.add("1/admin,"), { type: DISCONNECT, nsp: "/admin" });
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
      throwsBadOption(() => new SocketDecoder({ maxAttachments: bad as never }));
      throwsBadOption(() => new SocketDecoder({ maxDepth: bad as never }));
      throwsBadOption(() =>
        encodeSocketPacket({ type: EVENT, nsp: "/", data: ["e"] }, { maxDepth: bad as never }),
      );
    }
    const options = Object.freeze({ maxAttachments: undefined, maxDepth: 3 });
    const decoder = new SocketDecoder(options);
    assert.deepEqual(options, { maxAttachments: undefined, maxDepth: 3 });
    // maxAttachments fell back to its default.
    const max = defaultSocketCodecLimits.maxAttachments;
    assert.equal(decoder.add(`5${max}-["e"]`), undefined);
    assert.ok(Object.isFrozen(defaultSocketCodecLimits));
    assert.deepEqual(defaultSocketCodecLimits, { maxAttachments: 10, maxDepth: 100 });
  });
});
