/**
 * Binary data on Node and every platform but browsers (the default condition of `#binary`):
 * Node's Buffer is used when present (it is much faster at base64, and "nodebuffer" is the
 * default binary type), found by feature detection so that runtimes without it (Deno, workers)
 * take the portable paths of bytes.ts. Browsers get binary.browser.ts instead.
 */
import {
  type BinaryData,
  type BinaryType,
  base64Of,
  bytesOfBase64,
  convertPortable,
  hasBlob,
  toBytes,
} from "./bytes.js";

export { type BinaryData, type BinaryType, isBinary } from "./bytes.js";

interface NodeBufferLike extends Uint8Array {
  toString(encoding?: "base64"): string;
}
interface NodeBufferStatic {
  from(data: string, encoding: "base64"): NodeBufferLike;
  from(data: ArrayBuffer, byteOffset: number, length: number): NodeBufferLike;
  isBuffer(value: unknown): boolean;
}

const NodeBuffer = (globalThis as { Buffer?: NodeBufferStatic }).Buffer;

/** The binary type decoders use when none is given: Buffer on Node, ArrayBuffer elsewhere. */
export const defaultBinaryType: BinaryType = NodeBuffer ? "nodebuffer" : "arraybuffer";

/** Base64 of the given bytes, standard alphabet with padding. */
export function toBase64(data: ArrayBuffer | ArrayBufferView): string {
  if (!NodeBuffer) return base64Of(data);
  const bytes = toBytes(data);
  return NodeBuffer.from(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength).toString(
    "base64",
  );
}

/**
 * Bytes of a base64 string. Returns undefined for text that is not base64 (without Buffer);
 * Node's decoder skips characters outside the alphabet, as Engine.IO's own parser does.
 */
export function fromBase64(text: string): Uint8Array | undefined {
  return NodeBuffer ? NodeBuffer.from(text, "base64") : bytesOfBase64(text);
}

/** Converts received binary data (whatever a transport produced) to the requested type. */
export function convertBinary(data: BinaryData, binaryType: BinaryType): BinaryData {
  if (binaryType !== "nodebuffer" || !NodeBuffer || (hasBlob && data instanceof Blob)) {
    return convertPortable(data, binaryType);
  }
  const bytes = toBytes(data as ArrayBuffer | ArrayBufferView);
  return NodeBuffer.isBuffer(bytes)
    ? bytes
    : NodeBuffer.from(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength);
}
