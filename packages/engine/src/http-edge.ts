/**
 * The HTTP edge: which requests are the engine's (by path), how refusals are written (JSON
 * `{ code, message }` with Engine.IO's codes, on a response or on a raw upgrade socket), and
 * attaching to an `http.Server` so that every other request passes through untouched.
 */
import type { IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from "node:http";
import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { type EngineError, engineIoErrorMessages } from "./errors.js";

/** The JSON error body of a refusal; `message` overrides the catalogue's message. */
export function errorBody(error: EngineError, message?: string): string {
  return JSON.stringify({ code: error.engineCode ?? 3, message: message ?? error.message });
}

/** Answers an HTTP request with a refusal (status and JSON body from the catalogue). */
export function writeError(
  res: ServerResponse,
  error: EngineError,
  message?: string,
  headers: OutgoingHttpHeaders = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const body = errorBody(error, message ?? publicMessage(error));
  res.writeHead(error.status ?? 400, {
    ...headers,
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(body),
  });
  res.end(body);
}

/**
 * Headers of an HTTP transport's answer: its media type, how it may be cached (never reused,
 * by default), and never sniffed as anything but that type (a payload must not become HTML).
 */
export function answerHeaders(contentType: string, cacheControl = "no-store"): OutgoingHttpHeaders {
  return {
    "Content-Type": contentType,
    "Cache-Control": cacheControl,
    "X-Content-Type-Options": "nosniff",
  };
}

/** Engine.IO's fixed message for the error's numeric code; details stay in events and logs. */
function publicMessage(error: EngineError): string {
  return engineIoErrorMessages[error.engineCode ?? 3];
}

/** Refuses an upgrade by writing a plain HTTP response on the raw socket, then closing it. */
export function writeUpgradeError(
  socket: Duplex,
  error: EngineError,
  message?: string,
  headers: OutgoingHttpHeaders = {},
): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const status = error.status ?? 400;
  const body = errorBody(error, message ?? publicMessage(error));
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}`, "Connection: close"];
  for (const [name, value] of Object.entries(headers)) {
    for (const v of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${v}`);
  }
  lines.push("Content-Type: application/json", `Content-Length: ${Buffer.byteLength(body)}`);
  socket.end(`${lines.join("\r\n")}\r\n\r\n${body}`);
}

/**
 * A stand-in `ServerResponse` for middlewares run on an upgrade request: headers they set and a
 * response they end are written to the raw socket.
 */
export class UpgradeResponse {
  statusCode = 200;
  private readonly headers = new Map<string, number | string | readonly string[]>();
  ended = false;

  constructor(private readonly socket: Duplex) {}

  get headersSent(): boolean {
    return this.ended;
  }
  get writableEnded(): boolean {
    return this.ended;
  }
  setHeader(name: string, value: number | string | readonly string[]): this {
    this.headers.set(name.toLowerCase(), value);
    return this;
  }
  getHeader(name: string): number | string | readonly string[] | undefined {
    return this.headers.get(name.toLowerCase());
  }
  removeHeader(name: string): void {
    this.headers.delete(name.toLowerCase());
  }
  writeHead(status: number, headers?: OutgoingHttpHeaders): this {
    this.statusCode = status;
    for (const [k, v] of Object.entries(headers ?? {})) if (v !== undefined) this.setHeader(k, v);
    return this;
  }
  end(body?: string | Buffer): this {
    if (this.ended) return this;
    this.ended = true;
    const lines = [`HTTP/1.1 ${this.statusCode} ${STATUS_CODES[this.statusCode] ?? ""}`];
    for (const [k, v] of this.headers) {
      for (const x of Array.isArray(v) ? v : [v]) lines.push(`${k}: ${x}`);
    }
    lines.push("Connection: close");
    this.socket.end(`${lines.join("\r\n")}\r\n\r\n${body ?? ""}`);
    return this;
  }
}

/** The pathname of a request URL (without the query). */
export function pathnameOf(req: IncomingMessage): string {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  return q === -1 ? url : url.slice(0, q);
}

/** A request's query parameters, read as `URLSearchParams.get` reads them (the first value). */
export interface QueryParams {
  get(name: string): string | null;
}

/**
 * A query string without `%` or `+`: nothing to decode. Split once into name/value pairs (a
 * flat array: the engine's queries have a handful), so that every lookup of a name returns the
 * same string (a sid's hash is computed once, not at each of the engine's map lookups).
 */
class PlainQuery implements QueryParams {
  readonly #pairs: string[] = [];

  constructor(query: string) {
    let start = 0;
    while (start < query.length) {
      let end = query.indexOf("&", start);
      if (end === -1) end = query.length;
      if (end > start) {
        const eq = query.indexOf("=", start);
        const split = eq === -1 || eq > end ? end : eq;
        this.#pairs.push(
          query.slice(start, split),
          split === end ? "" : query.slice(split + 1, end),
        );
      }
      start = end + 1;
    }
  }

  get(name: string): string | null {
    const pairs = this.#pairs;
    for (let i = 0; i < pairs.length; i += 2) if (pairs[i] === name) return pairs[i + 1]!;
    return null;
  }
}

const QUERY = Symbol("switchboard.query");
type QueryCache = { readonly url: string; readonly params: QueryParams };
type WithQuery = IncomingMessage & { [QUERY]?: QueryCache };

/**
 * The query parameters of a request URL, parsed once per request (the engine reads them at
 * every step); parsed again if a middleware rewrote `req.url`. Engine.IO's queries are plain
 * `name=value` pairs: those are split directly, anything encoded goes to URLSearchParams.
 */
export function queryOf(req: IncomingMessage): QueryParams {
  const url = req.url ?? "/";
  const cached = (req as WithQuery)[QUERY];
  if (cached?.url === url) return cached.params;
  const q = url.indexOf("?");
  const query = q === -1 ? "" : url.slice(q + 1);
  const params = /[%+]/.test(query) ? new URLSearchParams(query) : new PlainQuery(query);
  (req as WithQuery)[QUERY] = { url, params };
  return params;
}

/** True when the request is for `path` ("/x/"), with or without the trailing slash. */
export function matchesPath(req: IncomingMessage, path: string): boolean {
  const pathname = pathnameOf(req);
  return pathname === path || pathname === path.slice(0, -1);
}

/** What `attachToServer` routes the engine's requests to. */
export interface EdgeHandlers {
  request(req: IncomingMessage, res: ServerResponse): void;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  serverClosed(): void;
}

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** What becomes of upgrade requests that are not the engine's (Engine.IO's attach options). */
export interface ForeignUpgrades {
  /** End one that nothing answered; when nothing else listens for upgrades, at once. */
  readonly destroyUpgrade: boolean;
  /** Milliseconds another listener has to answer it. */
  readonly destroyUpgradeTimeout: number;
}

/** Ends a foreign upgrade that no other listener wrote anything to (as Engine.IO does). */
function endIfUnanswered(socket: Duplex & { bytesWritten?: number }): void {
  if (!socket.writable || (socket.bytesWritten ?? 0) > 0) return;
  socket.on("error", () => {});
  socket.end();
}

/**
 * Attaches to `server`: the engine's requests (by path) go to `handlers`, every other request
 * to the listeners that were there before (which are moved behind one dispatcher). The returned
 * `detach()` puts back exactly what was there and removes exactly what was added.
 */
export function attachToServer(
  server: Server,
  path: string,
  handlers: EdgeHandlers,
  foreign: ForeignUpgrades = { destroyUpgrade: true, destroyUpgradeTimeout: 1000 },
): () => void {
  const previous = server.listeners("request") as RequestListener[];
  for (const l of previous) server.off("request", l);
  const onRequest: RequestListener = (req, res) => {
    if (matchesPath(req, path)) handlers.request(req, res);
    else for (const l of previous) l.call(server, req, res);
  };
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (matchesPath(req, path)) handlers.upgrade(req, socket, head);
    else if (!foreign.destroyUpgrade) return;
    // Nobody else listens: Node would have destroyed the socket; do not leave it hanging.
    else if (server.listenerCount("upgrade") === 1) socket.destroy();
    else setTimeout(() => endIfUnanswered(socket), foreign.destroyUpgradeTimeout).unref();
  };
  const onClose = (): void => handlers.serverClosed();
  server.on("request", onRequest);
  server.on("upgrade", onUpgrade);
  server.on("close", onClose);
  let attached = true;
  return () => {
    if (!attached) return;
    attached = false;
    server.off("request", onRequest);
    server.off("upgrade", onUpgrade);
    server.off("close", onClose);
    // Back in front, in their order, ahead of anything added since.
    for (let i = previous.length - 1; i >= 0; i--) server.prependListener("request", previous[i]!);
  };
}

/**
 * Reads a request body up to `limit` bytes (the declared Content-Length is checked first).
 * Calls `done` with the body, or `tooLarge` once (the rest of the body is then ignored and the
 * connection is marked to close after the answer). Returns `stop()`, which gives up reading the
 * same way without calling either.
 */
export function readBody(
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
  done: (body: Buffer) => void,
  tooLarge: () => void,
): () => void {
  const stop = (): void => {
    req.removeAllListeners("data");
    req.removeAllListeners("end");
    if (!res.headersSent) res.setHeader("Connection", "close");
  };
  const refuse = (): void => {
    stop();
    tooLarge();
  };
  if (Number(req.headers["content-length"] ?? 0) > limit) {
    refuse();
    return stop;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  req.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size > limit) refuse();
    else chunks.push(chunk);
  });
  // One chunk (a small POST) is the body as is: no copy.
  req.on("end", () => done(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
  return stop;
}
