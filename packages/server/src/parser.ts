/**
 * The socket packet codec the server speaks: the built-in Socket.IO v5 codec of
 * `@switchboard/protocol` (with the `codecLimits`), or a custom `parser` in the shape Socket.IO
 * takes (`{ Encoder, Decoder }`, e.g. `socket.io-msgpack-parser`): one encoder for the server,
 * one decoder per connection, as in Socket.IO.
 */
import {
  type BinaryData,
  encodeSocketPacket,
  type SocketCodecLimits,
  SocketDecoder,
  type SocketPacket,
} from "@switchboard/protocol";
import { ProtocolViolationError } from "./errors.js";

/** What one encoded packet becomes: the engine messages that carry it, in order. */
export type EncodedFrames = readonly (string | BinaryData)[];

/** A custom parser's encoder (Socket.IO's `Encoder` interface). */
export interface ParserEncoder {
  /** Encodes one packet into the engine messages that carry it. */
  encode(packet: SocketPacket): EncodedFrames;
}

/** A custom parser's decoder (Socket.IO's `Decoder` interface): emits "decoded" packets. */
export interface ParserDecoder {
  /** Feeds one engine message; throws on a malformed one. */
  add(chunk: string | Buffer): void;
  /** Drops what a partly received packet left. */
  destroy(): void;
  /** Listens for each packet decoded (emitted synchronously by `add`). */
  on(event: "decoded", listener: (packet: SocketPacket) => void): unknown;
}

/** A Socket.IO-compatible parser module: what the `parser` option takes. */
export interface Parser {
  /** The encoder class; the server makes one. */
  Encoder: new () => ParserEncoder;
  /** The decoder class; the server makes one per connection. */
  Decoder: new () => ParserDecoder;
}

/** One connection's decoder, as the client uses it: one packet at most per message. */
export interface PacketDecoder {
  add(chunk: string | Buffer): SocketPacket | undefined;
  reset(): void;
  /** True while a binary packet waits for attachments (the built-in codec tells). */
  readonly awaitingAttachments?: boolean;
}

/** Encodes packets for every connection and makes each connection's decoder. */
export interface ServerCodec {
  encode(packet: SocketPacket): EncodedFrames;
  createDecoder(): PacketDecoder;
}

/** The built-in codec, with the server's limits. */
function builtInCodec(limits: SocketCodecLimits): ServerCodec {
  return {
    encode: (packet) => encodeSocketPacket(packet, limits),
    createDecoder: () => new SocketDecoder(limits),
  };
}

/**
 * A custom parser's decoder read one message at a time. Its "decoded" events are synchronous
 * and at most one per message in every Socket.IO parser; one that gives several at once is
 * refused rather than have a packet dropped.
 */
class CustomDecoder implements PacketDecoder {
  readonly #decoder: ParserDecoder;
  #decoded: SocketPacket[] = [];

  constructor(parser: Parser) {
    this.#decoder = new parser.Decoder();
    this.#decoder.on("decoded", (packet) => this.#decoded.push(packet));
  }

  add(chunk: string | Buffer): SocketPacket | undefined {
    this.#decoded = [];
    this.#decoder.add(chunk);
    if (this.#decoded.length > 1) {
      throw new ProtocolViolationError("the parser decoded several packets from one message");
    }
    return this.#decoded[0];
  }

  reset(): void {
    this.#decoder.destroy();
    this.#decoded = [];
  }
}

/** The server's codec: the custom `parser` when one is given, else the built-in one. */
export function createCodec(parser: Parser | undefined, limits: SocketCodecLimits): ServerCodec {
  if (parser === undefined) return builtInCodec(limits);
  const encoder = new parser.Encoder();
  return {
    encode: (packet) => encoder.encode(packet),
    createDecoder: () => new CustomDecoder(parser),
  };
}
