/**
 * Binary data in browsers (the `browser` condition of `#binary`): the exports of binary.node.ts
 * without the Buffer paths a browser never takes. Base64 goes through btoa/atob; decoders hand
 * out ArrayBuffers by default, and "nodebuffer" also means ArrayBuffer here.
 */
import {
  asPortableType,
  type BinaryData,
  type BinaryType,
  base64Of,
  bytesOfBase64,
  hasBlob,
  toBytes,
} from "./bytes.js";

export { type BinaryData, type BinaryType, isBinary } from "./bytes.js";

/** The binary type decoders use when none is given: ArrayBuffer in browsers. */
export const defaultBinaryType: BinaryType = "arraybuffer";

// Base64 of bytes (standard alphabet, padding), and bytes of base64 (undefined for text that is
// not base64): btoa and atob are all a browser needs.
export { base64Of as toBase64, bytesOfBase64 as fromBase64 };

/** Converts received binary data (whatever a transport produced) to the requested type. */
export function convertBinary(data: BinaryData, binaryType: BinaryType): BinaryData {
  if (hasBlob && data instanceof Blob) return data;
  return asPortableType(toBytes(data as ArrayBuffer | ArrayBufferView), binaryType);
}
