/**
 * The engine: composes the session registry (session-registry.ts) and the admission
 * (admission.ts), which takes every request and upgrade through the origin policy, the
 * middlewares and the checks to its session's transport or a new session. It holds no state of
 * its own beyond its middlewares and whether it refuses handshakes.
 */
import { EventEmitter } from "node:events";
import {
  createServer,
  type Server as HttpServer,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from "node:http";
import type { Duplex } from "node:stream";
import { type AdmissionHost, admitRequest, admitUpgrade, type Middleware } from "./admission.js";
import { trace } from "./debug.js";
import { type EngineError, type EngineIoErrorCode, engineIoErrorMessages } from "./errors.js";
import { attachToServer } from "./http-edge.js";
import { generateSessionId } from "./ids.js";
import {
  type EngineOptions,
  normalizePath,
  type ResolvedEngineOptions,
  resolveEngineOptions,
} from "./options.js";
import type { Session } from "./session.js";
import { SessionRegistry } from "./session-registry.js";
import { transportRegistry } from "./transport-registry.js";

export type { Middleware } from "./admission.js";

/** The argument of the "connection_error" event, as Engine.IO's. */
export interface ConnectionErrorEvent {
  readonly req: IncomingMessage;
  /** Engine.IO's numeric code (0-5). */
  readonly code: EngineIoErrorCode;
  /** Engine.IO's message for the code. */
  readonly message: string;
  /** Details: `name` (catalogue entry), `sbCode` (`SB_ERR_*`), `detail`, and e.g. `sid`. */
  readonly context: Readonly<Record<string, unknown>>;
}

/** Events of the engine and their arguments. */
export interface EngineEvents {
  connection: [session: Session];
  connection_error: [error: ConnectionErrorEvent];
  initial_headers: [headers: OutgoingHttpHeaders, req: IncomingMessage];
  headers: [headers: OutgoingHttpHeaders, req: IncomingMessage];
}

/** An Engine.IO v4 server. */
export class Engine extends EventEmitter<EngineEvents> {
  /** The resolved options. */
  readonly options: ResolvedEngineOptions;
  readonly #registry: SessionRegistry;
  readonly #middlewares: Middleware[] = [];
  readonly #admission: AdmissionHost;
  #refusingHandshakes = false;

  constructor(options?: EngineOptions) {
    super();
    this.options = resolveEngineOptions(options, new Set(transportRegistry.keys()));
    const registry = new SessionRegistry(this.options, {
      headers: (headers, req, initial) => {
        if (initial) this.emit("initial_headers", headers, req);
        this.emit("headers", headers, req);
      },
      connection: (session) => this.emit("connection", session),
    });
    this.#registry = registry;
    const engine = this;
    this.#admission = {
      registry,
      middlewares: this.#middlewares,
      get refusingHandshakes() {
        return engine.#refusingHandshakes;
      },
      generateId: (req) => this.generateId(req),
      refused: (req, error) => this.#reportRefusal(req, error),
    };
  }

  /** Number of open sessions. */
  get clientsCount(): number {
    return this.#registry.sessions.size;
  }

  /** Open sessions by id. */
  get sessions(): ReadonlyMap<string, Session> {
    return this.#registry.sessions;
  }

  /**
   * Makes the id of a new session; override to choose ids (a Promise is awaited). The default
   * is 128 random bits, base64url, prefixed with `nodeTag` and "." when that option is set.
   */
  generateId(_req: IncomingMessage): string | Promise<string> {
    return generateSessionId(this.options.nodeTag);
  }

  /** Adds an Express-compatible middleware, run before each request and upgrade is verified. */
  use(middleware: Middleware): this {
    this.#middlewares.push(middleware);
    return this;
  }

  /**
   * Handles the engine's requests and upgrades on `server` (by path; others pass through) and
   * closes every session when the server closes. Returns `detach()`.
   */
  attach(server: HttpServer, options: { path?: string } = {}): () => void {
    const path = normalizePath(options.path ?? this.options.path);
    return attachToServer(
      server,
      path,
      {
        request: (req, res) => this.handleRequest(req, res),
        upgrade: (req, socket, head) => this.handleUpgrade(req, socket, head),
        serverClosed: () => this.close(),
      },
      this.options,
    );
  }

  /**
   * Runs the engine on a server of its own, listening on `port`: requests outside the engine's
   * path get 501. Returns the server (close it to stop; its sessions close with it).
   */
  listen(port: number, callback?: () => void): HttpServer {
    const server = createServer((_req, res) => {
      res.writeHead(501, { "Content-Type": "text/plain" }).end("Not Implemented");
    });
    this.attach(server);
    return server.listen(port, callback);
  }

  /** Closes every session with "server shutting down". The engine stays usable. */
  close(): void {
    this.#registry.close();
  }

  /**
   * Whether handshakes are refused (503, so that a load balancer tries another node) while
   * existing sessions go on: set by {@link Engine.refuseHandshakes} for a graceful shutdown.
   */
  get refusingHandshakes(): boolean {
    return this.#refusingHandshakes;
  }

  /** Refuses new handshakes with 503 (or accepts them again with `false`). */
  refuseHandshakes(refuse = true): void {
    this.#refusingHandshakes = refuse;
  }

  /** Handles one HTTP request of the engine (for frameworks that route themselves). */
  handleRequest(req: IncomingMessage, res: ServerResponse): void {
    admitRequest(this.#admission, req, res);
  }

  /** Handles one HTTP upgrade of the engine (for frameworks that route themselves). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    admitUpgrade(this.#admission, req, socket, head);
  }

  /** Tells the application of a refused request ("connection_error"). */
  #reportRefusal(req: IncomingMessage, error: EngineError): void {
    const code = error.engineCode ?? 3;
    trace("refused", { url: req.url, code: error.code, message: error.message });
    this.emit("connection_error", {
      req,
      code,
      message: engineIoErrorMessages[code],
      context: { ...error.context, sbCode: error.code, detail: error.message },
    });
  }
}
