/**
 * Server options: Socket.IO's names and defaults. {@link resolveOptions} merges the caller's
 * options over frozen defaults once, with `??`, and refuses impossible values.
 */
import { type EngineOptions, resolveEngineOptions, transportRegistry } from "@switchboard/engine";
import type { SocketCodecLimits } from "@switchboard/protocol";
import type { AdapterConstructor } from "./adapters/adapter.js";
import { InMemoryAdapter } from "./adapters/in-memory-adapter.js";
import { BadOptionError } from "./errors.js";
import { createCodec, type Parser, type ServerCodec } from "./parser.js";
import type { RateLimitOptions } from "./policies/rate-limit.js";

/** Settings of connection state recovery. */
export interface ConnectionStateRecoveryOptions {
  /**
   * How long after a disconnection the socket's id, rooms, data and missed packets are kept.
   * @default 120000 (2 minutes)
   */
  maxDisconnectionDuration?: number;
  /**
   * Whether a recovered socket skips the namespace middlewares.
   * @default true
   */
  skipMiddlewares?: boolean;
}

/**
 * Options of `new Server(...)`: the engine's options (pingInterval, pingTimeout, upgradeTimeout,
 * maxHttpBufferSize, transports, allowUpgrades, allowRequest, cors, httpCompression,
 * perMessageDeflate, cookie, ...; see `@switchboard/engine`) plus the server's own.
 */
export interface ServerOptions extends EngineOptions {
  /**
   * The path the engine answers on.
   * @default "/socket.io/"
   */
  path?: string;
  /**
   * Serves the Switchboard browser bundle (API-compatible with socket.io-client) where Socket.IO
   * serves its client: `<path>socket.io.js`, `socket.io.min.js`, `socket.io.esm.min.js` and their
   * source maps, with an ETag (304 on `If-None-Match`) and gzip. Only when the server attaches to
   * an HTTP server (`new Server(httpServer)`, `new Server(port)`, `attach()`).
   * @default true
   */
  serveClient?: boolean;
  /**
   * The adapter class each namespace instantiates.
   * @default InMemoryAdapter
   */
  adapter?: AdapterConstructor;
  /**
   * Milliseconds an engine session may stay open without joining any namespace.
   * @default 45000
   */
  connectTimeout?: number;
  /**
   * Restores id, rooms, data and missed packets after a short disconnection. `true` or `{}`
   * enable it with the defaults of {@link ConnectionStateRecoveryOptions}.
   * @default false
   */
  connectionStateRecovery?: boolean | ConnectionStateRecoveryOptions;
  /**
   * Removes a child of a dynamic namespace once its last socket has left.
   * @default false
   */
  cleanupEmptyChildNamespaces?: boolean;
  /**
   * Limits of the socket packet decoder (attachments per packet, nesting depth).
   * @default { maxAttachments: 10, maxDepth: 100 }
   */
  codecLimits?: SocketCodecLimits;
  /**
   * A Socket.IO-compatible parser (`{ Encoder, Decoder }`, e.g. `socket.io-msgpack-parser`);
   * every client must use the same one. `codecLimits` apply to the built-in codec only.
   * @default the built-in Socket.IO v5 codec of `@switchboard/protocol`
   */
  parser?: Parser;
  /**
   * Most bytes a connection may hold for its client that it has not yet handed to the
   * operating system. Over half of it, volatile packets are dropped, the connection stops
   * reading from its client and `socket.emit` returns false (the socket emits "drain" once all
   * went out); a connection over half of it that goes past it is closed with "slow consumer".
   * @default 1048576 (1 MiB)
   */
  maxBufferedBytes?: number;
  /**
   * Token buckets on the packets a client sends (per connection, optionally per event name),
   * or false for none. See {@link RateLimitOptions}.
   * @default false
   */
  rateLimit?: RateLimitOptions | false;
  /**
   * Most namespaces one connection may join or be joining at once; a CONNECT beyond is refused.
   * @default 64
   */
  maxNamespacesPerConnection?: number;
  /**
   * Most acknowledgements one socket may wait for; an emit with an ack beyond forgets the
   * oldest one (as when its socket closes: with `timeout()` it fails at its timeout, else it is
   * never called).
   * @default 10000
   */
  maxPendingAcks?: number;
  /**
   * Most bytes of attachments a connection may hold for a binary packet still incomplete; a
   * packet beyond closes the connection ("parse error").
   * @default maxHttpBufferSize
   */
  maxBinaryPacketBytes?: number;
  /**
   * Milliseconds a binary packet may take from its first frame to its last attachment; a
   * packet still incomplete then closes the connection ("parse error").
   * @default 30000
   */
  binaryPacketTimeout?: number;
}

/** Options after {@link resolveOptions}: every server field set, engine fields passed on. */
export interface ResolvedServerOptions {
  readonly path: string;
  readonly serveClient: boolean;
  readonly adapter: AdapterConstructor;
  readonly connectTimeout: number;
  readonly connectionStateRecovery: Readonly<Required<ConnectionStateRecoveryOptions>> | false;
  readonly cleanupEmptyChildNamespaces: boolean;
  readonly codecLimits: SocketCodecLimits;
  /** The custom parser, if one was given. */
  readonly parser: Parser | undefined;
  /** Encodes packets and makes each connection's decoder (the parser's, or the built-in). */
  readonly codec: ServerCodec;
  /** See {@link ServerOptions.maxBufferedBytes}. */
  readonly maxBufferedBytes: number;
  /** See {@link ServerOptions.rateLimit}. */
  readonly rateLimit: Readonly<RateLimitOptions> | false;
  /** See {@link ServerOptions.maxNamespacesPerConnection}. */
  readonly maxNamespacesPerConnection: number;
  /** See {@link ServerOptions.maxPendingAcks}. */
  readonly maxPendingAcks: number;
  /** See {@link ServerOptions.maxBinaryPacketBytes}. */
  readonly maxBinaryPacketBytes: number;
  /** See {@link ServerOptions.binaryPacketTimeout}. */
  readonly binaryPacketTimeout: number;
  /** What the engine is created with: the passthrough fields plus `path`. */
  readonly engine: Readonly<EngineOptions & { path: string }>;
}

/** Defaults, frozen. */
export const defaultServerOptions = Object.freeze({
  path: "/socket.io/",
  serveClient: true,
  connectTimeout: 45_000,
  cleanupEmptyChildNamespaces: false,
  pingInterval: 25_000,
  pingTimeout: 20_000,
  upgradeTimeout: 10_000,
  maxHttpBufferSize: 1e6,
  maxDisconnectionDuration: 2 * 60 * 1000,
  skipMiddlewares: true,
  maxBufferedBytes: 1024 * 1024,
  maxNamespacesPerConnection: 64,
  maxPendingAcks: 10_000,
  binaryPacketTimeout: 30_000,
});

/** Keys that are the server's own; every other option is the engine's. */
const serverKeys: ReadonlySet<string> = new Set([
  "path",
  "serveClient",
  "adapter",
  "connectTimeout",
  "connectionStateRecovery",
  "cleanupEmptyChildNamespaces",
  "codecLimits",
  "parser",
  "maxBufferedBytes",
  "rateLimit",
  "maxNamespacesPerConnection",
  "maxPendingAcks",
  "maxBinaryPacketBytes",
  "binaryPacketTimeout",
]);

function nonNegative(name: string, value: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new BadOptionError(`${name} must be a finite number >= 0, got ${String(value)}`);
  }
  return value;
}

function positive(name: string, value: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new BadOptionError(`${name} must be a finite number > 0, got ${String(value)}`);
  }
  return value;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new BadOptionError(`${name} must be an integer > 0, got ${String(value)}`);
  }
  return value;
}

function resolveRateLimit(
  options: RateLimitOptions | false | undefined,
): Readonly<RateLimitOptions> | false {
  if (options === undefined || options === false) return false;
  const bucket = (name: string, b: { packetsPerSecond: number; burst?: number }) => {
    positive(`${name}.packetsPerSecond`, b.packetsPerSecond);
    if (b.burst !== undefined) positive(`${name}.burst`, b.burst);
    return Object.freeze({ packetsPerSecond: b.packetsPerSecond, burst: b.burst });
  };
  const onLimit = options.onLimit ?? "drop";
  if (onLimit !== "drop" && onLimit !== "disconnect") {
    throw new BadOptionError(`rateLimit.onLimit must be "drop" or "disconnect"`);
  }
  const events: Record<string, Readonly<{ packetsPerSecond: number; burst?: number }>> = {};
  for (const [event, settings] of Object.entries(options.events ?? {})) {
    events[event] = bucket(`rateLimit.events[${JSON.stringify(event)}]`, settings);
  }
  return Object.freeze({
    ...bucket("rateLimit", options),
    events: Object.freeze(events),
    onLimit,
    maxViolations: nonNegative("rateLimit.maxViolations", options.maxViolations ?? 10),
  });
}

/** Merges user options over the defaults. Never mutates `options`. */
export function resolveOptions(options: ServerOptions = {}): ResolvedServerOptions {
  const d = defaultServerOptions;
  const path = options.path ?? d.path;
  if (typeof path !== "string" || !path.startsWith("/")) {
    throw new BadOptionError(`path must start with "/", got ${JSON.stringify(path)}`);
  }
  const csr = options.connectionStateRecovery ?? false;
  const connectionStateRecovery =
    csr === false
      ? false
      : Object.freeze({
          maxDisconnectionDuration: nonNegative(
            "connectionStateRecovery.maxDisconnectionDuration",
            (csr === true ? undefined : csr.maxDisconnectionDuration) ?? d.maxDisconnectionDuration,
          ),
          skipMiddlewares: (csr === true ? undefined : csr.skipMiddlewares) ?? d.skipMiddlewares,
        });
  const parser = options.parser;
  if (
    parser !== undefined &&
    (typeof parser?.Encoder !== "function" || typeof parser?.Decoder !== "function")
  ) {
    throw new BadOptionError(
      "parser must be a Socket.IO parser: an object with Encoder and Decoder classes",
    );
  }
  const codecLimits = Object.freeze({ ...options.codecLimits });
  const engine: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (!serverKeys.has(key) && value !== undefined) engine[key] = value;
  }
  Object.assign(engine, {
    path,
    pingInterval: options.pingInterval ?? d.pingInterval,
    pingTimeout: options.pingTimeout ?? d.pingTimeout,
    upgradeTimeout: options.upgradeTimeout ?? d.upgradeTimeout,
    maxHttpBufferSize: options.maxHttpBufferSize ?? d.maxHttpBufferSize,
  });
  // The engine's options are checked by the engine's own rules, here, so that a bad value fails
  // at `new Server()` with the same error that `attach()` would give, not later with another.
  resolveEngineOptions(engine as EngineOptions, new Set(transportRegistry.keys()));
  return Object.freeze({
    path,
    serveClient: options.serveClient ?? d.serveClient,
    adapter: options.adapter ?? InMemoryAdapter,
    connectTimeout: nonNegative("connectTimeout", options.connectTimeout ?? d.connectTimeout),
    connectionStateRecovery,
    cleanupEmptyChildNamespaces:
      options.cleanupEmptyChildNamespaces ?? d.cleanupEmptyChildNamespaces,
    codecLimits,
    parser,
    codec: createCodec(parser, codecLimits),
    maxBufferedBytes: positive("maxBufferedBytes", options.maxBufferedBytes ?? d.maxBufferedBytes),
    rateLimit: resolveRateLimit(options.rateLimit),
    maxNamespacesPerConnection: positiveInteger(
      "maxNamespacesPerConnection",
      options.maxNamespacesPerConnection ?? d.maxNamespacesPerConnection,
    ),
    maxPendingAcks: positiveInteger("maxPendingAcks", options.maxPendingAcks ?? d.maxPendingAcks),
    maxBinaryPacketBytes: positive(
      "maxBinaryPacketBytes",
      options.maxBinaryPacketBytes ?? (engine.maxHttpBufferSize as number),
    ),
    binaryPacketTimeout: positive(
      "binaryPacketTimeout",
      options.binaryPacketTimeout ?? d.binaryPacketTimeout,
    ),
    engine: Object.freeze(engine) as unknown as EngineOptions & { path: string },
  });
}
