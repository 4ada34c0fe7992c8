/**
 * Property-based round trips: whatever the encoders accept, the decoders give back, over
 * arbitrary JSON mixed with every kind of binary data, through both kinds of transport.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type BinaryData,
  type BinaryType,
  decodeEnginePacket,
  decodeEnginePayload,
  type EnginePacket,
  encodeEnginePacket,
  encodeEnginePacketAsync,
  encodeEnginePayload,
  encodeEnginePayloadAsync,
  encodeSocketPacket,
  isBinary,
  SocketDecoder,
  type SocketPacket,
} from "@switchboard/protocol";
import fc from "fast-check";
import {
  asBuffers,
  binary,
  bytesOf,
  enginePacket,
  expectedSocketPacket,
  objectFrom,
  socketPacket,
} from "./arbitraries.ts";

const RUNS = 400;

/** The packet a decoder gives for `packet`: binary as a Buffer, no data for an empty string. */
function expectedEngine(packet: EnginePacket): EnginePacket {
  if (packet.data === undefined || packet.data === "") return { type: packet.type };
  if (typeof packet.data === "string") return { type: packet.type, data: packet.data };
  return { type: "message", data: bytesOf(packet.data) };
}

const binaryTypes = fc.constantFrom<BinaryType>("nodebuffer", "arraybuffer", "uint8array");

/** Decoded engine packets with any binary as a Buffer, for comparing. */
function normalized(packet: EnginePacket): EnginePacket {
  return isBinary(packet.data) ? { type: packet.type, data: bytesOf(packet.data) } : packet;
}

describe("engine round trips", () => {
  test("packets, over binary and text-only transports, decoded to any binary type", () => {
    fc.assert(
      fc.property(enginePacket(false), fc.boolean(), binaryTypes, (packet, supportsBinary, bt) => {
        const wire = encodeEnginePacket(packet, supportsBinary);
        if (typeof packet.data !== "string" && packet.data !== undefined) {
          assert.equal(typeof wire === "string", !supportsBinary);
        }
        const decoded = decodeEnginePacket(wire, bt);
        if (isBinary(decoded.data)) {
          const kinds = { nodebuffer: Buffer, arraybuffer: ArrayBuffer, uint8array: Uint8Array };
          assert.ok(decoded.data instanceof kinds[bt as keyof typeof kinds]);
        }
        assert.deepEqual(normalized(decoded), expectedEngine(packet));
      }),
      { numRuns: RUNS },
    );
  });

  test("payloads of any length, text and base64 binary mixed", () => {
    fc.assert(
      fc.property(fc.array(enginePacket(true), { minLength: 1, maxLength: 12 }), (packets) => {
        const payload = encodeEnginePayload(packets);
        assert.equal(typeof payload, "string");
        const decoded = decodeEnginePayload(payload);
        assert.equal(decoded.length, packets.length);
        assert.deepEqual(decoded.map(normalized), packets.map(expectedEngine));
      }),
      { numRuns: RUNS },
    );
  });

  test("Blobs, through the async encoders", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            binary,
            fc.string({ maxLength: 5 }).map((s) => s.replaceAll("\x1e", "")),
          ),
          {
            minLength: 1,
            maxLength: 5,
          },
        ),
        async (items) => {
          const packets: EnginePacket[] = items.map((item) => ({
            type: "message",
            data: typeof item === "string" ? item : new Blob([new Uint8Array(bytesOf(item))]),
          }));
          const decoded = decodeEnginePayload(await encodeEnginePayloadAsync(packets));
          assert.deepEqual(
            decoded.map(normalized),
            items.map((item) => expectedEngine({ type: "message", data: item })),
          );
          const [first] = packets as [EnginePacket];
          const one = decodeEnginePacket(await encodeEnginePacketAsync(first, false));
          assert.deepEqual(normalized(one), expectedEngine({ type: "message", data: items[0] }));
        },
      ),
      { numRuns: 100 },
    );
  });
});

/** Sends a socket packet through the engine layer (as frames or base64) and decodes it. */
function roundTrip(packet: SocketPacket, supportsBinary: boolean, decoder: SocketDecoder) {
  const parts = encodeSocketPacket(packet);
  let result: SocketPacket | undefined;
  for (const [i, part] of parts.entries()) {
    const frame = encodeEnginePacket({ type: "message", data: part }, supportsBinary);
    const message = decodeEnginePacket(frame);
    result = decoder.add(message.data as string | BinaryData);
    assert.equal(result === undefined, i < parts.length - 1, `part ${i} of ${parts.length}`);
  }
  return result;
}

describe("socket round trips", () => {
  test("every type, namespaces, ack ids, JSON with binary anywhere (also __proto__ keys)", () => {
    const decoder = new SocketDecoder({ maxAttachments: 64 });
    fc.assert(
      fc.property(
        socketPacket({ binary: true, protoKeys: true, officialNames: false }),
        fc.boolean(),
        (packet, supportsBinary) => {
          const decoded = roundTrip(packet, supportsBinary, decoder);
          assert.deepEqual(decoded, expectedSocketPacket(packet));
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });

  test("many attachments in one packet, in nested places", () => {
    const decoder = new SocketDecoder({ maxAttachments: 64 });
    fc.assert(
      fc.property(
        fc.array(binary, { minLength: 2, maxLength: 40 }),
        fc.nat(),
        fc.option(fc.maxSafeNat(), { nil: undefined }),
        (bins, seed, id) => {
          // Scatter the binaries over arrays and objects chosen by the seed.
          const args: unknown[] = [];
          bins.forEach((bin, i) => {
            const slot = (seed + i) % 3;
            if (slot === 0) args.push(bin);
            else if (slot === 1) args.push([i, { deep: [bin] }]);
            else
              args.push(
                objectFrom([
                  ["__proto__", bin],
                  ["i", i],
                ]),
              );
          });
          const packet: SocketPacket = { type: 2, nsp: "/many", id, data: ["bulk", ...args] };
          const parts = encodeSocketPacket(packet);
          assert.equal(parts.length, bins.length + 1);
          assert.match(parts[0], new RegExp(`^5${bins.length}-/many,`));
          const decoded = roundTrip(packet, true, decoder);
          assert.deepEqual(decoded, expectedSocketPacket(packet));
        },
      ),
      { numRuns: 150 },
    );
  });

  test("Blobs as attachments come back as the same Blobs", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(binary, { minLength: 1, maxLength: 4 }), async (bins) => {
        const blobs = bins.map((b) => new Blob([new Uint8Array(bytesOf(b))]));
        const decoder = new SocketDecoder({ maxAttachments: 64 });
        const parts = encodeSocketPacket({ type: 3, nsp: "/", id: 9, data: [{ blobs }] });
        let decoded: SocketPacket | undefined;
        for (const part of parts) decoded = decoder.add(part);
        assert.ok(decoded);
        const out = (decoded.data as [{ blobs: Blob[] }])[0].blobs;
        assert.equal(out.length, blobs.length);
        for (const [i, blob] of out.entries()) {
          assert.equal(blob, blobs[i]);
          assert.deepEqual(Buffer.from(await blob.arrayBuffer()), bytesOf(bins[i]!));
        }
      }),
      { numRuns: 50 },
    );
  });

  test("a payload of many socket packets survives the polling path", () => {
    fc.assert(
      fc.property(
        fc.array(socketPacket({ binary: true, protoKeys: false, officialNames: false }), {
          minLength: 1,
          maxLength: 8,
        }),
        (packets) => {
          const frames: EnginePacket[] = packets.flatMap((p) =>
            encodeSocketPacket(p).map((part) => ({ type: "message" as const, data: part })),
          );
          const decoder = new SocketDecoder({ maxAttachments: 64 });
          const out: SocketPacket[] = [];
          for (const message of decodeEnginePayload(encodeEnginePayload(frames))) {
            const packet = decoder.add(message.data as string | BinaryData);
            if (packet) out.push(packet);
          }
          assert.deepEqual(asBuffers(out), packets.map(expectedSocketPacket));
        },
      ),
      { numRuns: RUNS / 2 },
    );
  });
});
