import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import {
  decodeSocketPacketText,
  encodeSocketPacket,
  ProtocolErrorCode,
  SocketDecoder,
  type SocketPacket,
} from "@switchboard/protocol";
import { throwsCode } from "./helpers.ts";

function assertNotPolluted(): void {
  const probe: Record<string, unknown> = {};
  for (const key of ["polluted", "isAdmin", "_placeholder", "num"]) {
    assert.equal(probe[key], undefined, `Object.prototype.${key} was set`);
    assert.equal(Object.hasOwn(Object.prototype, key), false);
  }
  assert.equal(Object.getPrototypeOf(probe), Object.prototype);
}

function ownKeys(value: unknown): string[] {
  return Object.keys(value as object);
}

describe("prototype safety", () => {
  afterEach(assertNotPolluted);

  test("__proto__ and constructor keys in JSON stay own data keys", () => {
    const packet = decodeSocketPacketText(
      '2["e",{"__proto__":{"polluted":true,"isAdmin":true},"constructor":{"prototype":{"polluted":1}}}]',
    );
    const arg = (packet.data as unknown[])[1] as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(arg), Object.prototype);
    assert.deepEqual(ownKeys(arg), ["__proto__", "constructor"]);
    assert.equal(arg.isAdmin, undefined);
    assert.equal(arg.polluted, undefined);
    assert.deepEqual(Object.getOwnPropertyDescriptor(arg, "__proto__")?.value, {
      polluted: true,
      isAdmin: true,
    });
  });

  test("placeholders under __proto__ and constructor are rebuilt as own keys", () => {
    const decoder = new SocketDecoder();
    decoder.add(
      '52-["e",{"__proto__":{"_placeholder":true,"num":0},' +
        '"constructor":{"prototype":{"_placeholder":true,"num":1}},' +
        '"a":{"__proto__":{"x":{"_placeholder":true,"num":0}}}}]',
    );
    const packet = decoder.add(Buffer.from([2]));
    assert.equal(packet, undefined);
    const done = decoder.add(Buffer.from([3])) as SocketPacket;
    const arg = (done.data as unknown[])[1] as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(arg), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(arg, "__proto__")?.value, Buffer.from([2]));
    const ctor = Object.getOwnPropertyDescriptor(arg, "constructor")?.value as Record<
      string,
      unknown
    >;
    assert.deepEqual(ctor.prototype, Buffer.from([3]));
    const a = arg.a as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(a), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(a, "__proto__")?.value, {
      x: Buffer.from([2]),
    });
  });

  test("a __proto__ key holding a placeholder-like object is not a placeholder source", () => {
    // Reading record._placeholder must not see a placeholder through a prototype.
    const decoder = new SocketDecoder();
    decoder.add(
      '51-["e",{"__proto__":{"_placeholder":true,"num":0}},{"_placeholder":true,"num":0}]',
    );
    const packet = decoder.add(Buffer.from([1])) as SocketPacket;
    const [, first, second] = packet.data as unknown[];
    assert.equal(Object.getPrototypeOf(first), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(first, "__proto__")?.value, Buffer.from([1]));
    assert.deepEqual(second, Buffer.from([1]));
  });

  test("the encoder keeps own __proto__ keys next to binary and never sets a prototype", () => {
    const arg = JSON.parse('{"__proto__":{"isAdmin":true},"constructor":{"prototype":1}}');
    arg.file = Buffer.from([1]);
    const [head, ...bins] = encodeSocketPacket({ type: 2, nsp: "/", data: ["e", arg] });
    assert.equal(
      head,
      '51-["e",{"__proto__":{"isAdmin":true},"constructor":{"prototype":1},"file":{"_placeholder":true,"num":0}}]',
    );
    assert.deepEqual(bins, [Buffer.from([1])]);
    const buried = JSON.parse('{"__proto__":{"file":null}}');
    Object.getOwnPropertyDescriptor(buried, "__proto__")!.value.file = Buffer.from([2]);
    const [head2] = encodeSocketPacket({ type: 2, nsp: "/", data: ["e", buried] });
    assert.equal(head2, '51-["e",{"__proto__":{"file":{"_placeholder":true,"num":0}}}]');
  });
});

describe("limits", () => {
  /** A value whose innermost array sits at `depth` once inside a packet's payload array. */
  const nested = (depth: number): string => `${"[".repeat(depth - 1)}"e"${"]".repeat(depth - 1)}`;

  test("maxAttachments: announcing more is refused before any attachment is buffered", () => {
    const decoder = new SocketDecoder({ maxAttachments: 2 });
    throwsCode(() => decoder.add('53-["e"]'), ProtocolErrorCode.TOO_MANY_ATTACHMENTS);
    assert.equal(decoder.awaitingAttachments, false);
    assert.equal(decoder.add('52-["e"]'), undefined);
    throwsCode(
      () => new SocketDecoder().add(`5${10 + 1}-["e"]`),
      ProtocolErrorCode.TOO_MANY_ATTACHMENTS,
    );
    throwsCode(
      () => new SocketDecoder().add(`6999999999-1[]`),
      ProtocolErrorCode.TOO_MANY_ATTACHMENTS,
    );
  });

  test("maxDepth on decode: the payload itself is depth 1", () => {
    const decoder = new SocketDecoder({ maxDepth: 4 });
    // ["e",[[["x"]]]] nests 4 deep.
    assert.ok(decoder.add('2["e",[[["x"]]]]'));
    throwsCode(() => decoder.add('2["e",[[[["x"]]]]]'), ProtocolErrorCode.TOO_DEEP);
    throwsCode(() => decoder.add('2["e",{"a":{"b":{"c":{}}}}]'), ProtocolErrorCode.TOO_DEEP);
    // Brackets inside strings do not count.
    assert.ok(decoder.add(`2["e","${"[".repeat(50)}"]`));
    // Defaults to 100, also for long, flat payloads past the cheap length check.
    const plain = new SocketDecoder();
    assert.ok(plain.add(`2["e",${nested(100)}]`));
    throwsCode(() => plain.add(`2["e",${nested(101)}]`), ProtocolErrorCode.TOO_DEEP);
    assert.ok(plain.add(`2["e",${"[],".repeat(500)}[]]`));
    throwsCode(() => plain.add(`2["e",${nested(100_000)}]`), ProtocolErrorCode.TOO_DEEP);
  });

  test("maxDepth holds inside binary packets too", () => {
    const decoder = new SocketDecoder({ maxDepth: 3 });
    throwsCode(
      () => decoder.add('51-["e",[[{"_placeholder":true,"num":0}]]]'),
      ProtocolErrorCode.TOO_DEEP,
    );
    assert.equal(decoder.add('51-["e",[{"_placeholder":true,"num":0}]]'), undefined);
    assert.deepEqual(decoder.add(Buffer.from([1]))?.data, ["e", [Buffer.from([1])]]);
  });

  test("maxDepth on encode: deep or self-referencing data is refused, binary or not", () => {
    const deep: unknown[] = ["e"];
    let cursor = deep;
    for (let i = 0; i < 200; i++) {
      const next: unknown[] = [];
      cursor.push(next);
      cursor = next;
    }
    throwsCode(
      () => encodeSocketPacket({ type: 2, nsp: "/", data: deep }),
      ProtocolErrorCode.TOO_DEEP,
    );
    cursor.push(Buffer.from([1]));
    throwsCode(
      () => encodeSocketPacket({ type: 2, nsp: "/", data: deep }),
      ProtocolErrorCode.TOO_DEEP,
    );

    const cyclic: unknown[] = ["e", Buffer.from([1])];
    cyclic.push(cyclic);
    throwsCode(
      () => encodeSocketPacket({ type: 2, nsp: "/", data: cyclic }),
      ProtocolErrorCode.TOO_DEEP,
    );
    const cyclicObject: Record<string, unknown> = { file: new ArrayBuffer(1) };
    cyclicObject.self = cyclicObject;
    throwsCode(
      () => encodeSocketPacket({ type: 3, nsp: "/", id: 1, data: [cyclicObject] }),
      ProtocolErrorCode.TOO_DEEP,
    );

    // What the encoder accepts at a depth, a decoder with the same maxDepth accepts.
    const limits = { maxDepth: 3 };
    const atLimit = { type: 2 as const, nsp: "/", data: ["e", [Buffer.from([1])]] };
    const parts = encodeSocketPacket(atLimit, limits);
    const decoder = new SocketDecoder(limits);
    decoder.add(parts[0]);
    assert.ok(decoder.add(parts[1]!));
    throwsCode(
      () => encodeSocketPacket({ type: 2, nsp: "/", data: ["e", [[Buffer.from([1])]]] }, limits),
      ProtocolErrorCode.TOO_DEEP,
    );
  });
});
