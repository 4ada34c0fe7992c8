/**
 * The engine's options: what a user may pass, their defaults, and the one function that resolves
 * them (user values over frozen defaults, impossible values refused with SB_ERR_BAD_OPTION).
 */
import type { IncomingMessage } from "node:http";
import type { CorsOptions } from "./cors.js";
import { EngineError } from "./errors.js";

/** `allowRequest`'s verdict: `callback(null, true)` accepts; `callback("why", false)` refuses. */
export type AllowRequest = (
  req: IncomingMessage,
  callback: (err: string | null | undefined, success: boolean) => void,
) => void;

/** Options of the Engine.IO cookie set on the handshake response (off by default). */
export interface CookieOptions {
  /** @default "io" */
  name?: string;
  /** @default "/" */
  path?: string | false;
  /** @default true */
  httpOnly?: boolean;
  /** @default "lax" */
  sameSite?: "lax" | "strict" | "none" | false;
  /** @default false */
  secure?: boolean;
  /** @default none */
  domain?: string;
  /** Max-Age in seconds. @default none (a session cookie) */
  maxAge?: number;
}

/** Options of `new Engine(options)`; names and defaults are Engine.IO's. */
export interface EngineOptions {
  /** Milliseconds between two server pings. @default 25000 */
  pingInterval?: number;
  /** Milliseconds to wait for a pong before closing with "ping timeout". @default 20000 */
  pingTimeout?: number;
  /** Milliseconds an upgrade may take after the WebSocket opens. @default 10000 */
  upgradeTimeout?: number;
  /** Largest message, POST body or WebSocket frame, in bytes (`maxPayload` of the handshake). @default 1e6 */
  maxHttpBufferSize?: number;
  /** Transports a client may use, by name. @default ["polling", "websocket", "sse", "jsonp", "htmlfile"] */
  transports?: readonly string[];
  /** Whether a polling session may upgrade to WebSocket. @default true */
  allowUpgrades?: boolean;
  /** Decides whether a handshake may proceed (refusal answers 403, code 4). @default none */
  allowRequest?: AllowRequest;
  /** CORS for cross-origin browsers, in the shape of the `cors` package's options. @default none: same-origin only */
  cors?: CorsOptions | false;
  /** Compress polling responses above `threshold` bytes when the client accepts gzip/deflate. @default { threshold: 1024 } */
  httpCompression?: boolean | { threshold?: number };
  /** WebSocket permessage-deflate; `true` or `{ threshold }` (bytes) enables it. @default false */
  perMessageDeflate?: boolean | { threshold?: number };
  /** URL path the engine answers on. @default "/engine.io/" */
  path?: string;
  /** A message sent to every session right after the open packet. @default none */
  initialPacket?: string | Buffer;
  /** Sets Engine.IO's `io=<sid>` cookie on the handshake; `true` for the defaults. @default false */
  cookie?: boolean | CookieOptions;
  /**
   * Keep-alive period of `sse` and `htmlfile` streams, in milliseconds: a stream on which
   * nothing was written for a whole period gets a keep-alive (an SSE comment, an HTML comment),
   * so that proxies do not time it out; `false` disables them (the engine's ping still flows
   * every `pingInterval`). @default 15000
   */
  streamHeartbeat?: number | false;
  /**
   * A tag put in front of every session id (`<nodeTag>.<random>`), so that a reverse proxy can
   * route a session's requests to the node that owns it. 1-32 characters of `[A-Za-z0-9_-]`.
   * @default none (ids are only the random part)
   */
  nodeTag?: string;
}

/** Options after resolution: every field present and checked. */
export interface ResolvedEngineOptions {
  readonly pingInterval: number;
  readonly pingTimeout: number;
  readonly upgradeTimeout: number;
  readonly maxHttpBufferSize: number;
  readonly transports: readonly string[];
  readonly allowUpgrades: boolean;
  readonly allowRequest: AllowRequest | undefined;
  readonly cors: CorsOptions | undefined;
  /** Compression threshold for polling responses, or undefined when compression is off. */
  readonly httpCompressionThreshold: number | undefined;
  /** permessage-deflate threshold, or undefined when off. */
  readonly perMessageDeflateThreshold: number | undefined;
  readonly path: string;
  readonly initialPacket: string | Buffer | undefined;
  readonly cookie: Readonly<Required<Omit<CookieOptions, "domain" | "maxAge">>> &
    Pick<CookieOptions, "domain" | "maxAge">;
  readonly cookieEnabled: boolean;
  readonly nodeTag: string | undefined;
  /** Keep-alive interval of streams, or undefined when off. */
  readonly streamHeartbeat: number | undefined;
}

/** The defaults, frozen. */
export const engineDefaults = Object.freeze({
  pingInterval: 25000,
  pingTimeout: 20000,
  upgradeTimeout: 10000,
  maxHttpBufferSize: 1e6,
  transports: Object.freeze([
    "polling",
    "websocket",
    "sse",
    "jsonp",
    "htmlfile",
  ]) as readonly string[],
  allowUpgrades: true,
  httpCompressionThreshold: 1024,
  perMessageDeflateThreshold: 1024,
  path: "/engine.io/",
  streamHeartbeat: 15000,
  cookie: Object.freeze({
    name: "io",
    path: "/",
    httpOnly: true,
    sameSite: "lax",
    secure: false,
  } as const),
});

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new EngineError("BAD_OPTION", `${name} must be a positive number, got ${value}`);
  }
  return value;
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new EngineError("BAD_OPTION", `${name} must be a number >= 0, got ${value}`);
  }
  return value;
}

/** `"/x"` and `"/x/"` both become `"/x/"`. */
export function normalizePath(path: string): string {
  if (!path.startsWith("/")) throw new EngineError("BAD_OPTION", `path must start with "/"`);
  return path.endsWith("/") ? path : `${path}/`;
}

const NODE_TAG = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * Merges user options over the defaults, once. Never mutates `options`.
 * @throws EngineError SB_ERR_BAD_OPTION for impossible values
 */
export function resolveEngineOptions(
  options: EngineOptions = {},
  knownTransports: ReadonlySet<string>,
): ResolvedEngineOptions {
  const d = engineDefaults;
  const transports = Object.freeze([...(options.transports ?? d.transports)]);
  if (transports.length === 0) throw new EngineError("BAD_OPTION", "transports is empty");
  for (const t of transports) {
    if (!knownTransports.has(t)) throw new EngineError("BAD_OPTION", `Unknown transport "${t}"`);
  }
  const compression = options.httpCompression ?? true;
  const deflate = options.perMessageDeflate ?? false;
  const cookie = options.cookie ?? false;
  const nodeTag = options.nodeTag;
  if (nodeTag !== undefined && !NODE_TAG.test(nodeTag)) {
    throw new EngineError("BAD_OPTION", "nodeTag must be 1-32 characters of [A-Za-z0-9_-]");
  }
  const cookieOptions = typeof cookie === "object" ? cookie : {};
  const streamHeartbeat = options.streamHeartbeat ?? d.streamHeartbeat;
  return Object.freeze({
    pingInterval: positive("pingInterval", options.pingInterval ?? d.pingInterval),
    pingTimeout: positive("pingTimeout", options.pingTimeout ?? d.pingTimeout),
    upgradeTimeout: positive("upgradeTimeout", options.upgradeTimeout ?? d.upgradeTimeout),
    maxHttpBufferSize: positive(
      "maxHttpBufferSize",
      options.maxHttpBufferSize ?? d.maxHttpBufferSize,
    ),
    transports,
    allowUpgrades: options.allowUpgrades ?? d.allowUpgrades,
    allowRequest: options.allowRequest,
    cors: options.cors === false ? undefined : options.cors,
    httpCompressionThreshold:
      compression === false
        ? undefined
        : nonNegative(
            "httpCompression.threshold",
            (compression === true ? undefined : compression.threshold) ??
              d.httpCompressionThreshold,
          ),
    perMessageDeflateThreshold:
      deflate === false
        ? undefined
        : nonNegative(
            "perMessageDeflate.threshold",
            (deflate === true ? undefined : deflate.threshold) ?? d.perMessageDeflateThreshold,
          ),
    path: normalizePath(options.path ?? d.path),
    initialPacket: options.initialPacket,
    cookieEnabled: cookie !== false,
    cookie: Object.freeze({
      name: cookieOptions.name ?? d.cookie.name,
      path: cookieOptions.path ?? d.cookie.path,
      httpOnly: cookieOptions.httpOnly ?? d.cookie.httpOnly,
      sameSite: cookieOptions.sameSite ?? d.cookie.sameSite,
      secure: cookieOptions.secure ?? d.cookie.secure,
      domain: cookieOptions.domain,
      maxAge: cookieOptions.maxAge,
    }),
    nodeTag,
    streamHeartbeat:
      streamHeartbeat === false ? undefined : positive("streamHeartbeat", streamHeartbeat),
  });
}

/** The `Set-Cookie` value of the Engine.IO cookie for a session. */
export function serializeCookie(options: ResolvedEngineOptions, sid: string): string {
  const c = options.cookie;
  let out = `${c.name}=${encodeURIComponent(sid)}`;
  if (c.path !== false) out += `; Path=${c.path}`;
  if (c.domain !== undefined) out += `; Domain=${c.domain}`;
  if (c.maxAge !== undefined) out += `; Max-Age=${Math.floor(c.maxAge)}`;
  if (c.httpOnly) out += "; HttpOnly";
  if (c.secure) out += "; Secure";
  if (c.sameSite !== false)
    out += `; SameSite=${c.sameSite[0]!.toUpperCase()}${c.sameSite.slice(1)}`;
  return out;
}
