import assert from "node:assert/strict";
import { test } from "node:test";
import {
  decodeEnginePayload,
  encodeEnginePayload,
  encodeSocketPacket,
  SocketDecoder,
} from "@switchboard/protocol";

test("a binary event survives encode and decode", () => {
  const packet = { type: 2 as const, nsp: "/admin", id: 7, data: ["up", Buffer.from([1, 2, 3])] };
  const [head, ...bins] = encodeSocketPacket(packet);
  assert.equal(head, '51-/admin,7["up",{"_placeholder":true,"num":0}]');
  const decoder = new SocketDecoder();
  assert.equal(decoder.add(head), undefined);
  const out = decoder.add(bins[0]!);
  assert.deepEqual(out, {
    type: 5,
    nsp: "/admin",
    id: 7,
    attachments: 1,
    data: ["up", Buffer.from([1, 2, 3])],
  });
});

test("a polling payload round-trips", () => {
  const payload = encodeEnginePayload([
    { type: "message", data: "hello" },
    { type: "message", data: Buffer.from([1, 2, 3, 4]) },
  ]);
  assert.equal(payload, "4hello\x1ebAQIDBA==");
  assert.deepEqual(decodeEnginePayload(payload), [
    { type: "message", data: "hello" },
    { type: "message", data: Buffer.from([1, 2, 3, 4]) },
  ]);
});
