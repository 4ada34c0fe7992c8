/**
 * Every option of `io()`, `Manager` and `Socket`, with Socket.IO's names and defaults, resolved
 * once over frozen defaults with `??`.
 */
import { BadOptionError } from "@switchboard/protocol";
import { platformOptions } from "#platform";
import type { NodeOnlyOptions, NodeOptions, Parser } from "./node-options.js";
import type { TransportFactory, TransportName } from "./transport.js";

export type {
  AgentLike,
  NodeOnlyOptions,
  NodeOptions,
  Parser,
  ParserPacket,
  TlsData,
} from "./node-options.js";

/**
 * socket.io-client options this client does not implement. Their types admit only this
 * client's own behaviour, so that TypeScript refuses anything else; in Node, other values throw
 * SB_ERR_BAD_OPTION naming the option and why.
 */
export interface UnsupportedOptions {
  /** Not supported: set options at the top level (they apply to every transport). */
  transportOptions?: never;
  /** Not supported: pass transport factories in `transports`. */
  transportImplementations?: never;
  /** Always `true` here: the transport ladder tries the next transport after a failure. */
  tryAllTransports?: true;
  /** Not supported: the client uses the global timers. */
  useNativeTimers?: false;
  /** Not supported: use `transportTimeout` (and `timeout`). */
  requestTimeout?: never;
  /** Not supported: close the socket in your own `beforeunload` listener. */
  closeOnBeforeunload?: false;
  /** Not supported: disconnect the socket to let a Node process exit. */
  autoUnref?: false;
}

/** Options of the engine connection (Engine.IO client). */
export interface EngineOptions extends NodeOptions, UnsupportedOptions {
  /** Path of the server's endpoint. @default "/socket.io/" */
  path?: string;
  /** Extra query parameters of every request (the URL's own are added too). @default {} */
  query?: Record<string, string>;
  /**
   * Transports to try, in order: names or transport factories (from `@switchboard/client/core`).
   * @default ["websocket", "polling", "sse", "jsonp", "htmlfile"] (Node: the first three)
   */
  transports?: readonly (TransportName | TransportFactory)[];
  /** Probe a WebSocket (or a better transport the server offers) once connected. @default true */
  upgrade?: boolean;
  /** Start the next connection with the transport that carried the last one. @default true */
  rememberTransport?: boolean;
  /** Socket.IO's name for {@link rememberTransport}; `true` turns it on. @default false */
  rememberUpgrade?: boolean;
  /**
   * Time a transport gets to deliver the open packet (or, when probing, the probe's answer)
   * before the next one of the ladder is tried. The last transport of the ladder has no such
   * limit: the connect `timeout` ends its wait. @default 4000
   */
  transportTimeout?: number;
  /** Send cookies and credentials on cross-site requests. @default false */
  withCredentials?: boolean;
  /** Headers of every HTTP request and WebSocket handshake (Node only for WebSocket). @default {} */
  extraHeaders?: Record<string, string>;
  /** Add a cache-busting parameter to polling requests. @default true */
  timestampRequests?: boolean;
  /** Name of that parameter. @default "t" */
  timestampParam?: string;
  /** Append "/" to `path` when missing. @default true */
  addTrailingSlash?: boolean;
}

/** Options of the Manager (one connection, many namespaces). */
export interface ManagerOptions extends EngineOptions {
  /** Always create a new Manager (no connection sharing). @default false */
  forceNew?: boolean;
  /** Share a Manager between sockets of the same server. @default true */
  multiplex?: boolean;
  /** Reconnect automatically. @default true */
  reconnection?: boolean;
  /** Attempts before giving up (`reconnect_failed`). @default Infinity */
  reconnectionAttempts?: number;
  /** First reconnection delay in ms. @default 1000 */
  reconnectionDelay?: number;
  /** Largest reconnection delay in ms (before jitter). @default 5000 */
  reconnectionDelayMax?: number;
  /** Jitter: share of each delay removed at random, 0 to 1. @default 0.5 */
  randomizationFactor?: number;
  /** Time in ms for a connection (the whole transport ladder) to open. @default 20000 */
  timeout?: number;
  /** Connect as soon as a socket is created. @default true */
  autoConnect?: boolean;
  /**
   * Custom packet encoding (e.g. `socket.io-msgpack-parser`); the server must use the same.
   * Node only for now: the browser bundle has no room for it in its size budget.
   * @default undefined (the Socket.IO v5 text and binary format)
   */
  parser?: Parser;
}

/** The `auth` payload: an object, or a function that hands one to a callback. */
export type AuthOption =
  | Record<string, unknown>
  | ((callback: (data: Record<string, unknown>) => void) => void);

/** Options of one Socket (one namespace). */
export interface SocketOptions {
  /** Sent in the CONNECT packet; a function is called before each connection. @default undefined */
  auth?: AuthOption;
  /** Default acknowledgement timeout in ms; enables the retry queue. @default undefined */
  ackTimeout?: number;
  /** Times a packet is resent when its ack does not arrive in time. @default 0 */
  retries?: number;
}

/** Everything `io()` accepts. */
export type ClientOptions = ManagerOptions & SocketOptions;

/** Engine options after resolution. */
export interface ResolvedEngineOptions {
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly transports: readonly TransportFactory[];
  readonly upgrade: boolean;
  readonly rememberTransport: boolean;
  readonly transportTimeout: number;
  readonly withCredentials: boolean;
  readonly extraHeaders: Readonly<Record<string, string>>;
  readonly timestampRequests: boolean;
  readonly timestampParam: string;
  /** The Node-only options given, and `parser` (empty in browsers). */
  readonly node: Readonly<NodeOnlyOptions>;
}

/** Manager options after resolution. */
export interface ResolvedManagerOptions extends ResolvedEngineOptions {
  readonly reconnection: boolean;
  readonly reconnectionAttempts: number;
  readonly reconnectionDelay: number;
  readonly reconnectionDelayMax: number;
  readonly randomizationFactor: number;
  readonly timeout: number;
  readonly autoConnect: boolean;
}

/** Defaults of every option that has one. */
export const defaultOptions = Object.freeze({
  path: "/socket.io/",
  upgrade: true,
  rememberTransport: true,
  transportTimeout: 4000,
  withCredentials: false,
  timestampRequests: true,
  timestampParam: "t",
  addTrailingSlash: true,
  reconnection: true,
  reconnectionAttempts: Number.POSITIVE_INFINITY,
  reconnectionDelay: 1000,
  reconnectionDelayMax: 5000,
  randomizationFactor: 0.5,
  timeout: 20000,
  autoConnect: true,
  retries: 0,
});

function badOption(name: string, value: unknown): BadOptionError {
  return new BadOptionError(`invalid option ${name}: ${String(value)}`);
}

/**
 * Rejects numeric options out of range: every option whose default is a number (and
 * `ackTimeout`) must be a number ≥ 0; `randomizationFactor` at most 1.
 */
function checkNumbers(values: Record<string, unknown>): void {
  for (const name in values) {
    const value = values[name];
    if (
      (typeof defaultOptions[name as keyof typeof defaultOptions] === "number" ||
        (name === "ackTimeout" && value !== undefined)) &&
      !(typeof value === "number" && value >= 0 && (name !== "randomizationFactor" || value <= 1))
    ) {
      throw badOption(name, value);
    }
  }
}

/** Picks the transport factories named by `transports`, in its order, among those available. */
export function resolveTransports(
  wanted: readonly (TransportName | TransportFactory)[] | undefined,
  available: readonly TransportFactory[],
): TransportFactory[] {
  if (!wanted) return available.slice();
  const out: TransportFactory[] = [];
  for (const t of wanted) {
    const factory = typeof t === "string" ? available.find((f) => f.transportName === t) : t;
    if (factory && !out.includes(factory)) out.push(factory);
  }
  if (out.length === 0) {
    throw badOption("transports", wanted.map(String));
  }
  return out;
}

/** Resolves manager (and engine) options; never mutates `options`. */
export function resolveManagerOptions(
  options: ManagerOptions,
  available: readonly TransportFactory[],
): ResolvedManagerOptions {
  const given = options as Record<string, unknown>;
  const out: Record<string, unknown> = { node: platformOptions(options) };
  for (const [key, fallback] of Object.entries(defaultOptions)) out[key] = given[key] ?? fallback;
  out.rememberTransport =
    options.rememberTransport ?? options.rememberUpgrade ?? defaultOptions.rememberTransport;
  if (out.addTrailingSlash && !(out.path as string).endsWith("/")) out.path += "/";
  out.query = Object.freeze({ ...options.query });
  out.extraHeaders = Object.freeze({ ...options.extraHeaders });
  out.transports = Object.freeze(resolveTransports(options.transports, available));
  checkNumbers(out);
  return Object.freeze(out) as unknown as ResolvedManagerOptions;
}

/** Socket options after resolution. */
export interface ResolvedSocketOptions {
  readonly auth: AuthOption | undefined;
  readonly ackTimeout: number | undefined;
  readonly retries: number;
}

/** Resolves socket options; never mutates `options`. */
export function resolveSocketOptions(options: SocketOptions): ResolvedSocketOptions {
  const resolved = {
    auth: options.auth,
    ackTimeout: options.ackTimeout,
    retries: options.retries ?? defaultOptions.retries,
  };
  checkNumbers(resolved);
  return Object.freeze(resolved);
}
