/**
 * Differential tests against the official parsers (engine.io-parser 5, socket.io-parser 4):
 * on generated packets, both encoders write the same bytes, and each side decodes what the
 * other encoded to the same value. 10,000 cases per codec.
 *
 * The generated domain is what both sides accept: no event names the official parser reserves,
 * no "__proto__" keys (its decoder assigns them, which sets a prototype instead of a key; the
 * safety tests cover ours), binary only in EVENT / ACK data.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type BinaryData,
  decodeEnginePacket,
  decodeEnginePayload,
  type EnginePacket,
  encodeEnginePacket,
  encodeEnginePayload,
  encodeSocketPacket,
  isBinary,
  SocketDecoder,
  type SocketPacket,
} from "@switchboard/protocol";
import {
  type Packet as TheirEnginePacket,
  decodePacket as theirDecodePacket,
  decodePayload as theirDecodePayload,
  encodePacket as theirEncodePacket,
  encodePayload as theirEncodePayload,
} from "engine.io-parser";
import fc from "fast-check";
import {
  Decoder as TheirDecoder,
  Encoder as TheirEncoder,
  type Packet as TheirSocketPacket,
} from "socket.io-parser";
import {
  asBuffers,
  bytesOf,
  enginePacket,
  expected,
  expectedSocketPacket,
  jsonObject,
  namespace,
  socketPacket,
} from "./arbitraries.ts";

/** What a WebSocket peer receives for a binary frame: a Buffer of its bytes. */
function overTheWire<T>(frame: T): T | Buffer {
  return isBinary(frame) ? bytesOf(frame as BinaryData) : frame;
}

/** Engine packet as any decoder should return it: binary as Buffer, "" as no data. */
function expectedEngine(packet: EnginePacket): EnginePacket {
  if (packet.data === undefined || packet.data === "") return { type: packet.type };
  if (typeof packet.data === "string") return { type: packet.type, data: packet.data };
  return { type: "message", data: bytesOf(packet.data as BinaryData) };
}

function theirsEncodePacket(packet: EnginePacket, supportsBinary: boolean): string | BinaryData {
  let out: string | BinaryData | undefined;
  theirEncodePacket(packet as TheirEnginePacket, supportsBinary, (encoded) => {
    out = encoded as string | BinaryData;
  });
  assert.notEqual(out, undefined, "engine.io-parser encodes synchronously on Node");
  return out!;
}

function theirsEncodePayload(packets: EnginePacket[]): string {
  let out: string | undefined;
  theirEncodePayload(packets as TheirEnginePacket[], (encoded) => {
    out = encoded;
  });
  return out!;
}

describe("differential: Engine.IO codec vs engine.io-parser", () => {
  test("5,000 packets over binary and text-only transports", () => {
    fc.assert(
      fc.property(enginePacket(false), fc.boolean(), (packet, supportsBinary) => {
        const ours = encodeEnginePacket(packet, supportsBinary);
        const theirs = theirsEncodePacket(packet, supportsBinary);
        assert.deepEqual(asBuffers(ours), asBuffers(theirs), "same bytes on the wire");
        const want = expectedEngine(packet);
        const theyDecodeOurs = theirDecodePacket(overTheWire(ours) as string, "nodebuffer");
        const weDecodeTheirs = decodeEnginePacket(overTheWire(theirs), "nodebuffer");
        assert.deepEqual(asBuffers(theyDecodeOurs), want);
        assert.deepEqual(asBuffers(weDecodeTheirs), want);
      }),
      { numRuns: 5000 },
    );
  });

  test("5,000 polling payloads", () => {
    fc.assert(
      fc.property(fc.array(enginePacket(true), { minLength: 1, maxLength: 8 }), (packets) => {
        const ours = encodeEnginePayload(packets);
        const theirs = theirsEncodePayload(packets);
        assert.equal(ours, theirs, "same payload text");
        const want = packets.map(expectedEngine);
        assert.deepEqual(asBuffers(theirDecodePayload(ours, "nodebuffer")), want);
        assert.deepEqual(asBuffers(decodeEnginePayload(theirs, "nodebuffer")), want);
      }),
      { numRuns: 5000 },
    );
  });
});

describe("differential: Socket.IO codec vs socket.io-parser", () => {
  test("10,000 packets of every type, with binary, namespaces and ack ids", () => {
    const theirEncoder = new TheirEncoder();
    const theirDecoder = new TheirDecoder({ maxAttachments: 64 });
    let theirResult: TheirSocketPacket | undefined;
    theirDecoder.on("decoded", (packet: TheirSocketPacket) => {
      theirResult = packet;
    });
    const ourDecoder = new SocketDecoder({ maxAttachments: 64 });
    let binaryCases = 0;

    fc.assert(
      fc.property(
        socketPacket({ binary: true, protoKeys: false, officialNames: true }),
        (packet) => {
          const ours = encodeSocketPacket(packet);
          // The official encoder writes what it is given; hand it a copy of the packet.
          const theirs = theirEncoder.encode({ ...packet } as TheirSocketPacket) as (
            | string
            | BinaryData
          )[];
          assert.deepEqual(asBuffers(ours), asBuffers(theirs), "same parts on the wire");
          if (ours.length > 1) binaryCases++;

          // They decode ours. The official decoder reports binary packets as EVENT / ACK.
          theirResult = undefined;
          for (const part of ours) theirDecoder.add(overTheWire(part));
          const want = expectedSocketPacket(packet);
          const theirView: Record<string, unknown> = {
            type: want.type === 5 ? 2 : want.type === 6 ? 3 : want.type,
            nsp: want.nsp,
          };
          if (want.id !== undefined) theirView.id = want.id;
          if (want.data !== undefined) theirView.data = want.data;
          assert.ok(theirResult, "socket.io-parser decoded our packet");
          assert.deepEqual(asBuffers(theirResult), theirView);

          // We decode theirs.
          let ourResult: SocketPacket | undefined;
          for (const part of theirs) ourResult = ourDecoder.add(overTheWire(part));
          assert.deepEqual(ourResult, want);
          assert.deepEqual(asBuffers(ourResult?.data), expected(packet.data));
        },
      ),
      { numRuns: 10_000 },
    );
    // The generated cases include binary packets, not just text ones.
    assert.ok(binaryCases > 500, `only ${binaryCases} binary packets`);
  });

  test("CONNECT_ERROR: every payload socket.io-parser takes from a server, we take the same", () => {
    // Socket.IO v4 servers and python-socketio 5 send a string; v5 servers an object.
    // (A bare number after the header is read as an ack id, not as a payload.)
    const payload = fc.oneof(
      fc.string(),
      jsonObject(false),
      fc.jsonValue().filter((v) => typeof v !== "number"),
    );
    const theirDecoder = new TheirDecoder();
    fc.assert(
      fc.property(namespace, payload, (nsp, data) => {
        const text = `4${nsp === "/" ? "" : `${nsp},`}${JSON.stringify(data)}`;
        let theirs: TheirSocketPacket | undefined;
        theirDecoder.once("decoded", (p: TheirSocketPacket) => {
          theirs = p;
        });
        try {
          theirDecoder.add(text);
        } catch {
          theirs = undefined;
        }
        let ours: SocketPacket | undefined;
        try {
          ours = new SocketDecoder({ maxAttachments: 64 }).add(text);
        } catch {
          ours = undefined;
        }
        assert.deepEqual(ours, theirs && { type: 4, nsp, data: theirs.data }, text);
      }),
      { numRuns: 2000 },
    );
  });
});
