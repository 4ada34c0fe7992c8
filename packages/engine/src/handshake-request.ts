/**
 * What a session keeps of its handshake request. The `IncomingMessage` itself (its stream state,
 * event table and the raw header strings: ~0.7 KiB, more than anything else a session holds) is
 * released once the handshake is answered; the session keeps this snapshot instead: the request
 * line, the headers object, the socket, and every property a middleware attached to the request
 * (`req.session` from express-session, `req.user`, ...), so that `session.request.headers`,
 * `.url`, `.socket.remoteAddress` and `.session` read as they did on the request.
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

/** Own properties every `IncomingMessage` has from node itself: not copied as "extras". */
const NODE_OWN: ReadonlySet<string> = new Set([
  ...Object.getOwnPropertyNames(new IncomingMessage(null as unknown as Socket)),
  // Set by the HTTP server after construction.
  "upgrade",
]);

/** The snapshot itself: a plain object with a fixed shape, then any extras. */
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

/** Snapshots `req` (see the module comment). */
export function keepRequest(req: IncomingMessage): HandshakeRequest {
  const kept = new KeptRequest(req) as KeptRequest & Record<string, unknown>;
  for (const key of Object.keys(req)) {
    if (!NODE_OWN.has(key) && !(key in kept)) {
      kept[key] = (req as unknown as Record<string, unknown>)[key];
    }
  }
  return kept as unknown as HandshakeRequest;
}
