/**
 * Binary data as the codecs see it, the part that is the same on every platform: what counts as
 * binary, views over its bytes, base64 through btoa/atob. The public binary API is the
 * platform's file: binary.browser.ts (browsers) or binary.node.ts (Node and everything else: it
 * uses Buffer when present); the conditions of the package's `#binary` import pick one.
 */

/** Binary data accepted by the encoders. */
export type BinaryData = ArrayBuffer | ArrayBufferView | Blob;

/** How decoded binary data is handed out. */
export type BinaryType = "nodebuffer" | "arraybuffer" | "uint8array" | "blob";

/** Whether the platform has Blob (browsers, Node 18+; not every embedded runtime). */
export const hasBlob = typeof Blob === "function";

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

/** An ArrayBuffer holding exactly these bytes (copied only when they are a slice). */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const { buffer, byteOffset, byteLength } = bytes;
  if (byteOffset === 0 && byteLength === buffer.byteLength && buffer instanceof ArrayBuffer) {
    return buffer;
  }
  // Copy with the Uint8Array constructor: on a Node Buffer, slice() is a view, and the view's
  // buffer may be Node's shared 8 KiB pool, which holds other data.
  return new Uint8Array(bytes).buffer as ArrayBuffer;
}

/**
 * Converts received binary data to the binary types every platform has: Blobs stay Blobs, and
 * "nodebuffer" means ArrayBuffer (binary.node.ts handles it where Buffer exists).
 */
export function convertPortable(data: BinaryData, binaryType: BinaryType): BinaryData {
  if (hasBlob && data instanceof Blob) return data;
  const bytes = toBytes(data as ArrayBuffer | ArrayBufferView);
  if (binaryType === "uint8array") return bytes;
  if (binaryType === "blob" && hasBlob) return new Blob([bytes as Uint8Array<ArrayBuffer>]);
  return toArrayBuffer(bytes);
}

/** Standard base64 (with padding) of the bytes, through btoa. */
export function base64Of(data: ArrayBuffer | ArrayBufferView): string {
  const bytes = toBytes(data);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000) as unknown as number[]);
  }
  return btoa(binary);
}

/** The bytes of a base64 string through atob, or undefined for text that is not base64. */
export function bytesOfBase64(text: string): Uint8Array | undefined {
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
