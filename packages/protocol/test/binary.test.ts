import assert from "node:assert/strict";
import { test } from "node:test";
import { runInNewContext } from "node:vm";
import { convertBinary, fromBase64, isBinary, toBase64 } from "@switchboard/protocol";
import fc from "fast-check";
import * as browser from "../src/binary.browser.ts";
import { binary, bytesOf } from "./arbitraries.ts";

test("isBinary: every binary kind, also from another realm, and nothing else", () => {
  const yes = [
    Buffer.from([1]),
    new ArrayBuffer(2),
    new Uint8Array(1),
    new Float32Array(1),
    new DataView(new ArrayBuffer(1)),
    new Blob(["x"]),
    runInNewContext("new ArrayBuffer(4)"),
    runInNewContext("new Uint8Array(4)"),
  ];
  for (const value of yes) assert.equal(isBinary(value), true, String(value));
  const no = [
    null,
    undefined,
    0,
    "AQID",
    [1, 2],
    { byteLength: 1 },
    { buffer: new ArrayBuffer(1) },
  ];
  for (const value of no) assert.equal(isBinary(value), false, String(value));
});

test("base64 round-trips every binary kind, with the standard alphabet and padding", () => {
  assert.equal(toBase64(new Uint8Array([0xfb, 0xff])), "+/8=");
  assert.deepEqual([...(fromBase64("+/8=") ?? [])], [0xfb, 0xff]);
  assert.equal(toBase64(new ArrayBuffer(0)), "");
  fc.assert(
    fc.property(binary, (data) => {
      const text = toBase64(data as ArrayBuffer);
      assert.equal(text, bytesOf(data).toString("base64"));
      assert.deepEqual(Buffer.from(fromBase64(text) ?? []), bytesOf(data));
    }),
    { numRuns: 300 },
  );
});

test("convertBinary hands out the requested type over exactly the same bytes", () => {
  fc.assert(
    fc.property(binary, (data) => {
      const bytes = bytesOf(data);
      const asBuffer = convertBinary(data, "nodebuffer");
      assert.ok(Buffer.isBuffer(asBuffer));
      assert.deepEqual(Buffer.from(asBuffer as Buffer), bytes);
      const asArrayBuffer = convertBinary(data, "arraybuffer");
      assert.ok(asArrayBuffer instanceof ArrayBuffer);
      assert.deepEqual(Buffer.from(asArrayBuffer), bytes);
      const asView = convertBinary(data, "uint8array");
      assert.ok(asView instanceof Uint8Array);
      assert.deepEqual(Buffer.from(asView), bytes);
    }),
    { numRuns: 300 },
  );
});

test("convertBinary to blob, and Blobs stay Blobs", async () => {
  const blob = convertBinary(new Uint8Array([1, 2]), "blob");
  assert.ok(blob instanceof Blob);
  assert.deepEqual([...new Uint8Array(await blob.arrayBuffer())], [1, 2]);
  assert.equal(convertBinary(blob, "nodebuffer"), blob);
});

test("the browser file (package import #binary, condition browser) agrees with Node's, without Buffer", () => {
  assert.equal(browser.defaultBinaryType, "arraybuffer");
  assert.equal(browser.fromBase64("not base64!"), undefined);
  fc.assert(
    fc.property(binary, (data) => {
      const text = browser.toBase64(data as ArrayBuffer);
      assert.equal(text, toBase64(data as ArrayBuffer));
      const back = browser.fromBase64(text);
      assert.ok(back instanceof Uint8Array && !Buffer.isBuffer(back));
      assert.deepEqual(Buffer.from(back), bytesOf(data));
      // No Buffer in a browser: "nodebuffer" gives an ArrayBuffer holding exactly the bytes.
      const out = browser.convertBinary(data, "nodebuffer");
      assert.ok(out instanceof ArrayBuffer);
      assert.deepEqual(Buffer.from(out), bytesOf(data));
      const view = browser.convertBinary(data, "uint8array");
      assert.deepEqual(Buffer.from(view as Uint8Array), bytesOf(data));
    }),
    { numRuns: 300 },
  );
});
