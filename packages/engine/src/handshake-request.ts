/**
 * What a session keeps of its handshake request. Without middlewares that attach things to the
 * request (the common case), the `IncomingMessage` itself (its stream state, event table and raw
 * header strings: ~0.7 KiB, more than anything else a session holds) is released once the
 * handshake is answered, and the session keeps a snapshot: the request line, the headers object
 * and the socket, so that `session.request.headers`, `.url` and `.socket.remoteAddress` read as
 * they did on the request.
 *
 * When a middleware did attach something (`req.session` from express-session, `req.user` from
 * passport), the session keeps the request itself, as Socket.IO does: such objects refer back to
 * their request and replace themselves on it (express-session's `req.session.reload()` assigns a
 * new `req.session`), so a copy would go stale. express-session's session holds the request
 * anyway, so there would be nothing to save.
 */
import { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import type { Readable } from "node:stream";

/**
 * The parts of the handshake's `IncomingMessage` a session keeps. Typed from `IncomingMessage`,
 * so that properties an application declares on it (`declare module "node:http"`, e.g.
 * `session`) are found here too; the stream, its methods and the raw header list are not kept.
 */
export type HandshakeRequest = Omit<
  IncomingMessage,
  | keyof Readable
  | "aborted"
  | "complete"
  | "rawHeaders"
  | "headersDistinct"
  | "trailers"
  | "trailersDistinct"
  | "rawTrailers"
  | "statusCode"
  | "statusMessage"
  | "setTimeout"
>;

/** Own properties every `IncomingMessage` has from node itself (anything else was attached). */
const NODE_OWN: ReadonlySet<string> = new Set([
  ...Object.getOwnPropertyNames(new IncomingMessage(null as unknown as Socket)),
  // Set by the HTTP server after construction (`parser` on upgrades).
  "upgrade",
  "parser",
]);

/** The snapshot: a plain object with a fixed shape. */
class KeptRequest {
  readonly method: string | undefined;
  url: string | undefined;
  readonly headers: IncomingMessage["headers"];
  readonly httpVersion: string;
  readonly httpVersionMajor: number;
  readonly httpVersionMinor: number;
  readonly socket: Socket;

  constructor(req: IncomingMessage) {
    this.method = req.method;
    this.url = req.url;
    this.headers = req.headers;
    this.httpVersion = req.httpVersion;
    this.httpVersionMajor = req.httpVersionMajor;
    this.httpVersionMinor = req.httpVersionMinor;
    this.socket = req.socket;
  }

  /** Node's older name for `socket`. */
  get connection(): Socket {
    return this.socket;
  }
}

/** The request itself if a middleware attached something to it, else a snapshot of it. */
export function keepRequest(req: IncomingMessage): HandshakeRequest {
  // `_`-prefixed keys are internals (node's, or a framework's parse caches), not attachments.
  for (const key of Object.keys(req)) if (!NODE_OWN.has(key) && key[0] !== "_") return req;
  return new KeptRequest(req);
}
