/**
 * The one interface every server transport implements, and the factories the engine picks
 * them from by name. The session talks to a transport only through {@link ServerTransport} and
 * hears from it only through {@link TransportSink}; it never branches on a transport's name.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { EnginePacket } from "@switchboard/protocol";
import type { EngineError } from "./errors.js";
import type { ResolvedEngineOptions } from "./options.js";

/** Why a transport gave up; becomes the session's close reason. */
export type TransportFailure = "transport error" | "parse error";

/** How a transport is closed; see {@link ServerTransport.close}. */
export type TransportCloseMode = "graceful" | "immediate" | "discard";

/**
 * Where a transport reports what happens on it. The session is its own sink (methods, not one
 * closure per report and session), hence the `onTransport` prefix on its methods.
 */
export interface TransportSink {
  /** A packet arrived from the peer. */
  onTransportPacket(packet: EnginePacket): void;
  /** The transport failed; it is unusable afterwards. */
  onTransportError(reason: TransportFailure, error: EngineError): void;
  /** The peer closed the transport. */
  onTransportClose(): void;
  /** The transport can take a `send()` now. */
  onTransportDrain(): void;
}

/** A server transport carrying engine packets for one session. */
export interface ServerTransport {
  /** The transport's name, as in the `transport` query parameter. */
  readonly name: string;
  /** Whether `send()` may be called now. */
  readonly writable: boolean;
  /**
   * Bytes handed to `send()` and not yet to the operating system: a WebSocket's send buffer, a
   * poll's answer still being written, a stream's pending writes.
   */
  readonly bufferedAmount: number;
  /** Stops reading from the peer (its bytes wait in the kernel) until {@link resume}. */
  pause(): void;
  /** Reads from the peer again. */
  resume(): void;
  /** Routes the transport's reports to `sink` (or nowhere, with null). */
  setSink(sink: TransportSink | null): void;
  /**
   * Sends packets as one batch; only while `writable`. `onWritten` runs once the batch has been
   * handed to the operating system; `drain()` on the sink follows when writable again.
   */
  send(
    packets: readonly EnginePacket[],
    options: { compress: boolean },
    onWritten?: () => void,
  ): void;
  /**
   * Closes the transport. "graceful" tells the peer (a close packet where the transport has one),
   * waiting for a chance to do so if needed; "immediate" tells the peer only if it can right now;
   * "discard" releases the transport silently (after an upgrade). `onClosed` runs once.
   */
  close(mode: TransportCloseMode, onClosed?: () => void): void;
  /** For HTTP transports: a request of this session (the handshake request included). */
  handleRequest?(req: IncomingMessage, res: ServerResponse): void;
}

/** A transport whose requests are plain HTTP requests: it takes each of its session's. */
export interface HttpServerTransport extends ServerTransport {
  /** A request of this session (the handshake request included): a GET or a POST. */
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
}

/** What the engine lends to transports. */
export interface TransportContext {
  readonly options: ResolvedEngineOptions;
  /** Lets the engine (and its "initial_headers"/"headers" listeners) edit response headers. */
  decorateHeaders(headers: OutgoingHttpHeaders, req: IncomingMessage, initial: boolean): void;
}

interface FactoryBase {
  /** Transport name. */
  readonly name: string;
  /** Transports a session on this one may upgrade to. */
  readonly upgradesTo: readonly string[];
  /**
   * True when the transport's GETs carry no `Origin` (a script tag, an iframe), so that they
   * prove nothing about the page: a session on it is held in "opening" (no "connection", no
   * messages) until a POST or an upgrade of that session passes the origin policy.
   */
  readonly needsOriginProof?: boolean;
  /** Releases shared resources (called by `engine.close()`), if the transport holds any. */
  close?(): void;
}

/** A transport whose requests are plain HTTP requests. */
export interface HttpTransportFactory extends FactoryBase {
  readonly via: "http";
  /**
   * Extra checks of the transport's requests (handshake or not), after the engine's own: the
   * refusal, or undefined to accept. Synchronous: between the engine's check of a session and
   * the hand-over of its request nothing waits, so the session cannot change in between.
   */
  check?(req: IncomingMessage): EngineError | undefined;
  /**
   * The transport's part of the origin policy: checks an origin the request names rather than
   * sends in `Origin` (htmlfile's `o`). Run with the policy, before any middleware, so that a
   * refused page's request never reaches them: `done()` accepts, `done(error)` refuses. Optional.
   */
  checkOrigin?(req: IncomingMessage, done: (error?: EngineError) => void): void;
  /** A transport for a new session; the engine then hands it the handshake request. */
  create(req: IncomingMessage, initial: boolean): HttpServerTransport;
}

/** A transport opened by an HTTP upgrade. */
export interface UpgradeTransportFactory extends FactoryBase {
  readonly via: "upgrade";
  /** Completes the upgrade and calls back with the transport. */
  accept(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    initial: boolean,
    done: (transport: ServerTransport) => void,
  ): void;
}

/** Either kind of factory. */
export type TransportFactory = HttpTransportFactory | UpgradeTransportFactory;

/** Makes a factory for one engine. */
export type TransportFactoryMaker = (ctx: TransportContext) => TransportFactory;
