/**
 * @switchboard/protocol: the Engine.IO v4 and Socket.IO v5 wire codecs shared by the server and
 * the client. Pure functions and one stateful decoder; no I/O, no dependencies.
 */
export {
  type BinaryData,
  type BinaryType,
  convertBinary,
  defaultBinaryType,
  fromBase64,
  isBinary,
  toBase64,
} from "#binary";
export {
  decodeEnginePacket,
  decodeEnginePayload,
  type EnginePacket,
  type EnginePacketType,
  encodeEnginePacket,
  encodeEnginePacketAsync,
  encodeEnginePayload,
  encodeEnginePayloadAsync,
  enginePacketCode,
  type OpenPacketData,
  type PacketData,
  RECORD_SEPARATOR,
} from "./engine.js";
export {
  BadOptionError,
  codesOf,
  defineErrors,
  type ErrorCatalogue,
  type ErrorEntry,
  isProtocolError,
  ProtocolError,
  ProtocolErrorCode,
  SwitchboardError,
} from "./errors.js";
export {
  defaultSocketCodecLimits,
  type EncodedSocketPacket,
  type SocketCodecLimits,
  type SocketPacket,
  SocketPacketType,
} from "./socket.js";
export {
  decodeSocketPacketText,
  SocketDecoder,
  type SocketDecoderOptions,
} from "./socket-decoder.js";
export { encodeSocketPacket, hasBinary } from "./socket-encoder.js";
export { JSONP_GLOBAL, SSE_JSON_EVENT } from "./transports.js";
