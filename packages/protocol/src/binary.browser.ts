/**
 * Binary data in browsers (the `browser` condition of `#binary`): the exports of binary.node.ts
 * without the Buffer paths a browser never takes. Base64 goes through btoa/atob; decoders hand
 * out ArrayBuffers by default, and "nodebuffer" also means ArrayBuffer here.
 */
import type { BinaryType } from "./bytes.js";

export {
  type BinaryData,
  type BinaryType,
  // Base64 of bytes (standard alphabet, padding), and bytes of base64 (undefined for text that
  // is not base64): btoa and atob are all a browser needs.
  base64Of as toBase64,
  bytesOfBase64 as fromBase64,
  /** Converts received binary data (whatever a transport produced) to the requested type. */
  convertPortable as convertBinary,
  isBinary,
} from "./bytes.js";

/** The binary type decoders use when none is given: ArrayBuffer in browsers. */
export const defaultBinaryType: BinaryType = "arraybuffer";
