/**
 * The engine's options: what a user may pass, their defaults, and the one function that resolves
 * them (user values over frozen defaults, impossible values refused with SB_ERR_BAD_OPTION).
 */

import type { IncomingMessage } from "node:http";
import type { ZlibOptions } from "node:zlib";
import { BadOptionError } from "@switchboard/protocol";
import { WebSocketServer } from "ws";
import type { CorsOptions } from "./cors.js";
import { EngineError } from "./errors.js";
import { resolveAllowedHosts } from "./hosts.js";

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
  /** `true` is "strict", as in the `cookie` package. @default "lax" */
  sameSite?: "lax" | "strict" | "none" | boolean;
  /** @default false */
  secure?: boolean;
  /** @default none */
  domain?: string;
  /** Max-Age in seconds. @default none (a session cookie) */
  maxAge?: number;
  /** Expires date. @default none */
  expires?: Date;
  /** The `Partitioned` attribute (CHIPS). @default false */
  partitioned?: boolean;
  /** The `Priority` attribute. @default none */
  priority?: "low" | "medium" | "high";
  /** Encodes the cookie's value (the sid). @default encodeURIComponent */
  encode?: (value: string) => string;
}

/**
 * Options of WebSocket permessage-deflate, as `ws` takes them (`threshold`: smallest message
 * compressed, in bytes; the others are `ws`'s and zlib's own).
 */
export interface PerMessageDeflateOptions {
  /** @default 1024 */
  threshold?: number;
  /** The server resets its compression context after each message. @default false */
  serverNoContextTakeover?: boolean;
  /** Asks the client to reset its compression context after each message. @default false */
  clientNoContextTakeover?: boolean;
  /** Largest LZ77 window the server uses, in bits (8-15). @default 15 */
  serverMaxWindowBits?: number;
  /** Largest LZ77 window the client may use, in bits (8-15). @default 15 */
  clientMaxWindowBits?: number;
  /** zlib options of the compressor. @default zlib's */
  zlibDeflateOptions?: ZlibOptions;
  /** zlib options of the decompressor. @default zlib's */
  zlibInflateOptions?: ZlibOptions;
  /** Concurrent zlib calls at most. @default 10 */
  concurrencyLimit?: number;
}

/** Compression of polling responses: `threshold` in bytes, and zlib's options (`level`, ...). */
export interface HttpCompressionOptions extends ZlibOptions {
  /** @default 1024 */
  threshold?: number;
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
  /** Compress polling responses above `threshold` bytes when the client accepts gzip/deflate; zlib options are passed on. @default { threshold: 1024 } */
  httpCompression?: boolean | HttpCompressionOptions;
  /** WebSocket permessage-deflate; `true` or an object of `ws`'s options (with `threshold`, bytes) enables it. @default false */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
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
  /**
   * Engine.IO v3 clients (Socket.IO 2.x) are not supported: `true` is refused with
   * SB_ERR_UNSUPPORTED_OPTION. @default false
   */
  allowEIO3?: boolean;
  /**
   * The WebSocket server implementation. Only `ws`'s own `WebSocketServer` (the default) is
   * accepted; another one (eiows, µWebSockets.js) is refused with SB_ERR_UNSUPPORTED_OPTION.
   * @default ws's WebSocketServer
   */
  wsEngine?: unknown;
  /**
   * Accepted for Engine.IO compatibility: the engine answers its path with and without the
   * trailing slash (`/socket.io/` and `/socket.io`) whatever this says. @default true
   */
  addTrailingSlash?: boolean;
  /**
   * Ends an upgrade request that is not the engine's and that nothing else answered within
   * `destroyUpgradeTimeout` (at once when nothing else listens for upgrades). @default true
   */
  destroyUpgrade?: boolean;
  /** Milliseconds before an unanswered foreign upgrade is ended. @default 1000 */
  destroyUpgradeTimeout?: number;
  /**
   * Host names (no port) this server answers for; a request whose `Host` header names another
   * is refused with 403. Set it when the server is reachable by names you know, especially on
   * a private network or localhost: it stops DNS-rebinding pages, which send their own name as
   * both `Host` and `Origin` and would otherwise count as same-origin.
   * @default none (any host)
   */
  allowedHosts?: readonly string[];
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
  /** zlib options of polling responses' compression. */
  readonly httpCompressionOptions: Readonly<ZlibOptions>;
  /** permessage-deflate threshold, or undefined when off. */
  readonly perMessageDeflateThreshold: number | undefined;
  /** `ws`'s permessage-deflate options (threshold included), or false when off. */
  readonly perMessageDeflate: Readonly<PerMessageDeflateOptions> | false;
  /** Whether foreign upgrades nothing answered are ended. */
  readonly destroyUpgrade: boolean;
  /** Milliseconds before such an upgrade is ended. */
  readonly destroyUpgradeTimeout: number;
  readonly path: string;
  readonly initialPacket: string | Buffer | undefined;
  readonly cookie: Readonly<
    Required<Omit<CookieOptions, "domain" | "maxAge" | "expires" | "priority">>
  > &
    Pick<CookieOptions, "domain" | "maxAge" | "expires" | "priority">;
  readonly cookieEnabled: boolean;
  readonly nodeTag: string | undefined;
  /** Lower-cased host names, or undefined for any. */
  readonly allowedHosts: ReadonlySet<string> | undefined;
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
  destroyUpgrade: true,
  destroyUpgradeTimeout: 1000,
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
    throw new BadOptionError(`${name} must be a positive number, got ${value}`);
  }
  return value;
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new BadOptionError(`${name} must be a number >= 0, got ${value}`);
  }
  return value;
}

/** `"/x"` and `"/x/"` both become `"/x/"`. */
export function normalizePath(path: string): string {
  if (!path.startsWith("/")) throw new BadOptionError(`path must start with "/"`);
  return path.endsWith("/") ? path : `${path}/`;
}

const NODE_TAG = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * Merges user options over the defaults, once. Never mutates `options`.
 * @throws BadOptionError (SB_ERR_BAD_OPTION) for impossible values
 */
export function resolveEngineOptions(
  options: EngineOptions = {},
  knownTransports: ReadonlySet<string>,
): ResolvedEngineOptions {
  const d = engineDefaults;
  refuseUnsupported(options);
  const transports = Object.freeze([...(options.transports ?? d.transports)]);
  if (transports.length === 0) throw new BadOptionError("transports is empty");
  for (const t of transports) {
    if (!knownTransports.has(t)) throw new BadOptionError(`Unknown transport "${t}"`);
  }
  const compression = options.httpCompression ?? true;
  const deflate = options.perMessageDeflate ?? false;
  const cookie = options.cookie ?? false;
  const nodeTag = options.nodeTag;
  if (nodeTag !== undefined && !NODE_TAG.test(nodeTag)) {
    throw new BadOptionError("nodeTag must be 1-32 characters of [A-Za-z0-9_-]");
  }
  const cookieOptions = typeof cookie === "object" ? cookie : {};
  const { threshold: _h, ...zlibOptions } = typeof compression === "object" ? compression : {};
  const deflateOptions = typeof deflate === "object" ? deflate : {};
  const addTrailingSlash = options.addTrailingSlash;
  if (addTrailingSlash !== undefined && typeof addTrailingSlash !== "boolean") {
    throw new BadOptionError("addTrailingSlash must be a boolean");
  }
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
    httpCompressionOptions: Object.freeze(zlibOptions),
    perMessageDeflate:
      deflate === false
        ? false
        : Object.freeze({
            ...deflateOptions,
            threshold: deflateOptions.threshold ?? d.perMessageDeflateThreshold,
          }),
    destroyUpgrade: options.destroyUpgrade ?? d.destroyUpgrade,
    destroyUpgradeTimeout: nonNegative(
      "destroyUpgradeTimeout",
      options.destroyUpgradeTimeout ?? d.destroyUpgradeTimeout,
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
      expires: cookieOptions.expires,
      partitioned: cookieOptions.partitioned ?? false,
      priority: cookieOptions.priority,
      encode: cookieOptions.encode ?? encodeURIComponent,
    }),
    nodeTag,
    allowedHosts: resolveAllowedHosts(options.allowedHosts),
    streamHeartbeat:
      streamHeartbeat === false ? undefined : positive("streamHeartbeat", streamHeartbeat),
  });
}

/** The `Set-Cookie` value of the Engine.IO cookie for a session. */
export function serializeCookie(options: ResolvedEngineOptions, sid: string): string {
  const c = options.cookie;
  let out = `${c.name}=${c.encode(sid)}`;
  if (c.path !== false) out += `; Path=${c.path}`;
  if (c.domain !== undefined) out += `; Domain=${c.domain}`;
  if (c.maxAge !== undefined) out += `; Max-Age=${Math.floor(c.maxAge)}`;
  if (c.expires !== undefined) out += `; Expires=${c.expires.toUTCString()}`;
  if (c.httpOnly) out += "; HttpOnly";
  if (c.secure) out += "; Secure";
  if (c.partitioned) out += "; Partitioned";
  if (c.priority !== undefined) out += `; Priority=${capitalized(c.priority)}`;
  if (c.sameSite !== false) {
    out += `; SameSite=${c.sameSite === true ? "Strict" : capitalized(c.sameSite)}`;
  }
  return out;
}

function capitalized(word: string): string {
  return `${word[0]!.toUpperCase()}${word.slice(1)}`;
}

/**
 * Options Engine.IO accepts that this engine cannot honour are refused by name, with the
 * reason, instead of being ignored.
 * @throws EngineError SB_ERR_UNSUPPORTED_OPTION
 */
function refuseUnsupported(options: EngineOptions): void {
  const refuse = (name: string, why: string): never => {
    throw new EngineError("UNSUPPORTED_OPTION", `${name} is not supported: ${why}`, {
      option: name,
    });
  };
  if (options.allowEIO3 === true) {
    refuse("allowEIO3", "only Engine.IO v4 clients (Socket.IO 3.x and later) are served");
  }
  if (options.wsEngine !== undefined && options.wsEngine !== WebSocketServer) {
    refuse("wsEngine", "the WebSocket transport runs on the bundled ws (no eiows, uWebSockets)");
  }
  if (typeof options.cors === "function") {
    refuse(
      "cors (a function)",
      "give an options object; cors.origin may be a function to decide per request",
    );
  }
  if (options.transports?.includes("webtransport")) {
    refuse("transports: webtransport", "WebTransport is not implemented");
  }
}
