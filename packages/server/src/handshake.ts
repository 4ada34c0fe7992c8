/**
 * The handshake details a socket carries (`socket.handshake`), built from the engine session's
 * handshake request and the CONNECT packet's auth payload.
 */
import type { HandshakeRequest } from "@switchboard/engine";

/** What the client presented when it connected, as Socket.IO exposes it. */
export interface Handshake {
  /** Headers of the handshake request. */
  headers: HandshakeRequest["headers"];
  /** When the socket was created, as `new Date().toString()`. */
  time: string;
  /** Remote address of the handshake request. */
  address: string;
  /** Whether the request came from another origin than its Host. */
  xdomain: boolean;
  /** Whether the connection is TLS. */
  secure: boolean;
  /** When the socket was created, in ms since the epoch. */
  issued: number;
  /** The request URL. */
  url: string;
  /** The query string, parsed. */
  query: Record<string, string | string[]>;
  /** The CONNECT packet's payload. */
  auth: Record<string, unknown>;
}

/**
 * Builds a handshake from the engine's handshake request and the CONNECT payload; `issued` is
 * when the socket was created (ms since the epoch).
 */
export function buildHandshake(
  request: HandshakeRequest,
  auth: Record<string, unknown>,
  issued: number = Date.now(),
): Handshake {
  const now = new Date(issued);
  const url = request.url ?? "/";
  const query: Record<string, string | string[]> = Object.create(null);
  for (const [key, value] of new URL(url, "http://localhost").searchParams) {
    const prev = query[key];
    query[key] =
      prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  const socket = request.socket as
    | (HandshakeRequest["socket"] & { encrypted?: boolean })
    | undefined;
  return {
    headers: request.headers,
    time: now.toString(),
    address: socket?.remoteAddress ?? "",
    xdomain: request.headers.origin !== undefined,
    secure: socket?.encrypted === true,
    issued: now.getTime(),
    url,
    query,
    auth,
  };
}
