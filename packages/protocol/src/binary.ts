/**
 * Binary data as the codecs see it: Node's Buffer, ArrayBuffer, any ArrayBuffer view, and Blob
 * where the platform has one. Node's Buffer is used when present (it is much faster at base64),
 * found by feature detection so that this file runs unchanged in browsers.
 */

/** Binary data accepted by the encoders. */
export type BinaryData = ArrayBuffer | ArrayBufferView | Blob;

/** How decoded binary data is handed out. */
export type BinaryType = "nodebuffer" | "arraybuffer" | "uint8array" | "blob";

interface NodeBufferLike extends Uint8Array {
  toString(encoding?: "base64"): string;
}
interface NodeBufferStatic {
  from(data: string, encoding: "base64"): NodeBufferLike;
  from(data: ArrayBuffer, byteOffset: number, length: number): NodeBufferLike;
  isBuffer(value: unknown): boolean;
}

const NodeBuffer = (globalThis as { Buffer?: NodeBufferStatic }).Buffer;
const hasBlob = typeof Blob === "function";

/** The binary type decoders use when none is given: Buffer on Node, ArrayBuffer elsewhere. */
export const defaultBinaryType: BinaryType = NodeBuffer ? "nodebuffer" : "arraybuffer";

/** True for every kind of {@link BinaryData}. */
export function isBinary(value: unknown): value is BinaryData {
  return (
    value instanceof ArrayBuffer ||
    ArrayBuffer.isView(value) ||
    (hasBlob && value instanceof Blob) ||
    // ArrayBuffers from another realm (a worker, a vm context) fail instanceof.
    Object.prototype.toString.call(value) === "[object ArrayBuffer]"
  );
}

/** A Uint8Array over the same bytes (no copy). Blobs are not accepted here. */
export function toBytes(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data))
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

/** Base64 of the given bytes, standard alphabet with padding. */
export function toBase64(data: ArrayBuffer | ArrayBufferView): string {
  const bytes = toBytes(data);
  if (NodeBuffer) {
    return NodeBuffer.from(
      bytes.buffer as ArrayBuffer,
      bytes.byteOffset,
      bytes.byteLength,
    ).toString("base64");
  }
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000) as unknown as number[]);
  }
  return btoa(binary);
}

/**
 * Bytes of a base64 string. Returns undefined for text that is not base64 (browsers); Node's
 * decoder skips characters outside the alphabet, as Engine.IO's own parser does.
 */
export function fromBase64(text: string): Uint8Array | undefined {
  if (NodeBuffer) return NodeBuffer.from(text, "base64");
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return undefined;
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Hands bytes out as the requested binary type. */
export function asBinaryType(bytes: Uint8Array, binaryType: BinaryType): BinaryData {
  switch (binaryType) {
    case "nodebuffer":
      if (NodeBuffer) {
        return NodeBuffer.isBuffer(bytes)
          ? bytes
          : NodeBuffer.from(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength);
      }
      return toArrayBuffer(bytes);
    case "uint8array":
      return bytes;
    case "blob":
      return hasBlob ? new Blob([bytes as Uint8Array<ArrayBuffer>]) : toArrayBuffer(bytes);
    default:
      return toArrayBuffer(bytes);
  }
}

/** An ArrayBuffer holding exactly these bytes (copied only when they are a slice). */
function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const { buffer, byteOffset, byteLength } = bytes;
  if (byteOffset === 0 && byteLength === buffer.byteLength && buffer instanceof ArrayBuffer) {
    return buffer;
  }
  // Copy with the Uint8Array constructor: on a Node Buffer, slice() is a view, and the view's
  // buffer may be Node's shared 8 KiB pool, which holds other data.
  return new Uint8Array(bytes).buffer as ArrayBuffer;
}

/** Converts received binary data (whatever a transport produced) to the requested type. */
export function convertBinary(data: BinaryData, binaryType: BinaryType): BinaryData {
  if (hasBlob && data instanceof Blob) return data;
  return asBinaryType(toBytes(data as ArrayBuffer | ArrayBufferView), binaryType);
}
