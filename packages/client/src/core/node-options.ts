/**
 * The Node-only options (connections, TLS, a custom parser): their own module, so that the
 * transports' context can name them without importing every option (options.ts imports the
 * transports' types).
 */
import type { BinaryData, SocketPacket } from "@switchboard/protocol";

/** A certificate, key or CA: PEM text or DER/PEM bytes (a Buffer), as node:tls takes them. */
export type TlsData = string | Uint8Array;

/** What `agent` takes: an `http.Agent` or `https.Agent` (typed loosely: browsers have none). */
export interface AgentLike {
  /** Closes the agent's sockets (every http.Agent has it). */
  destroy(): void;
}

/**
 * Options of the Node client's connections (node:http, node:https and `ws`), with
 * socket.io-client's names. Browsers own connections and TLS: there these are ignored, as
 * socket.io-client ignores them (`protocols` and `forceBase64` too, for now: the browser
 * bundle has no room left in its size budget).
 */
export interface NodeOptions {
  /**
   * Agent of HTTP requests and WebSocket handshakes; `false`: a new connection per request.
   * @default a keep-alive agent shared by the process (one for http:, one for https:)
   */
  agent?: AgentLike | false;
  /** Certificate authorities trusted for the server's certificate (replace Node's list). @default undefined */
  ca?: TlsData | readonly TlsData[];
  /** Client certificate chain (TLS client authentication). @default undefined */
  cert?: TlsData | readonly TlsData[];
  /** Private key of `cert`. @default undefined */
  key?: TlsData | readonly TlsData[];
  /** PKCS#12 bundle of key and certificate. @default undefined */
  pfx?: TlsData | readonly TlsData[];
  /** Passphrase of `key` or `pfx`. @default undefined */
  passphrase?: string;
  /** OpenSSL cipher list. @default undefined (Node's default) */
  ciphers?: string;
  /** Refuse a server whose certificate does not verify against `ca`. @default true */
  rejectUnauthorized?: boolean;
  /** Local interface to connect from. @default undefined */
  localAddress?: string;
  /** Send binary over WebSocket as base64 text (`b…`) instead of binary frames. @default false */
  forceBase64?: boolean;
  /** WebSocket subprotocols asked for in the handshake. @default [] */
  protocols?: string | readonly string[];
  /**
   * WebSocket permessage-deflate (the `ws` option of that name): `false` does not offer it.
   * @default true (offered; used when the server accepts it)
   */
  perMessageDeflate?: boolean | { threshold?: number };
}

/** What the options resolver keeps of the options only Node honours. */
export interface NodeOnlyOptions extends NodeOptions {
  readonly parser?: Parser;
}

/** A Socket.IO packet as a custom parser sees it (socket.io-parser's packet shape). */
export type ParserPacket = SocketPacket;

/**
 * A custom Socket.IO parser, as `socket.io-msgpack-parser` provides: an Encoder whose
 * `encode(packet)` gives the Engine.IO messages of a packet, and a Decoder that takes them one
 * by one (`add`) and emits `decoded` with each complete packet. The server must use the same.
 */
export interface Parser {
  /** `encode` returns the packet's engine messages: an array of strings and binary data. */
  Encoder: new () => { encode(packet: ParserPacket): unknown };
  /** `add` takes each engine message; `decoded` fires with each complete packet. */
  Decoder: new () => {
    add(data: string | BinaryData): void;
    on(event: "decoded", listener: (packet: ParserPacket) => void): unknown;
    /** Drops a packet half received (a connection ended). */
    destroy(): void;
  };
}
