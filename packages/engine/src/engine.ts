/**
 * The engine: the HTTP edge's requests and upgrades go through the origin policy, the
 * middlewares and `verify`, then either open a session (handshake) or go to the session's
 * transport. It keeps the sessions and nothing else.
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
import { checkOrigin, isPreflight } from "./cors.js";
import { type CredentialProof, keepsCookie, withholdCookie } from "./credentials.js";
import { trace } from "./debug.js";
import { acceptUpgrade, dispatchRequest } from "./dispatch.js";
import { EngineError, type EngineIoErrorCode, engineIoErrorMessages } from "./errors.js";
import { checkHost } from "./hosts.js";
import {
  attachToServer,
  queryOf,
  UpgradeResponse,
  writeError,
  writeUpgradeError,
} from "./http-edge.js";
import { generateSessionId } from "./ids.js";
import {
  type EngineOptions,
  normalizePath,
  type ResolvedEngineOptions,
  resolveEngineOptions,
  serializeCookie,
} from "./options.js";
import { Session, type SessionContext } from "./session.js";
import type { ServerTransport, TransportContext, TransportFactory } from "./transport.js";
import { transportRegistry } from "./transport-registry.js";
import { offeredUpgrades } from "./upgrade.js";
import { checkNamedOrigin, type Verdict, verify } from "./verify.js";

const NO_UPGRADES: readonly string[] = Object.freeze([]);

/**
 * The refused page may read the refusal itself (403 and Engine.IO's constant body, nothing
 * else): without these headers the browser hides even the status, and the page's client could
 * only say that the request failed, not that its origin was refused. Not for preflights, whose
 * answers no script reads; the request they guard is never sent.
 */
function readableRefusal(req: IncomingMessage, origin: string | undefined): OutgoingHttpHeaders {
  if (origin === undefined || isPreflight(req)) return {};
  return { "Access-Control-Allow-Origin": origin, "Access-Control-Allow-Credentials": "true" };
}

/** An Express-compatible middleware, run before every request and upgrade is verified. */
export type Middleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (err?: unknown) => void,
) => void;

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
  private readonly _sessions = new Map<string, Session>();
  /** @internal The offered transports' factories, by name. */
  readonly factories: ReadonlyMap<string, TransportFactory>;
  private readonly middlewares: Middleware[] = [];
  private readonly ctx: TransportContext & SessionContext;
  /** Transports a session on each transport may upgrade to (offered ones only). */
  private readonly upgrades = new Map<string, readonly string[]>();
  /** @internal Ids of sessions whose handshake response is being written (for the cookie). */
  readonly handshakeIds = new WeakMap<IncomingMessage, string>();
  private _refusingHandshakes = false;

  constructor(options?: EngineOptions) {
    super();
    this.options = resolveEngineOptions(options, new Set(transportRegistry.keys()));
    this.ctx = {
      options: this.options,
      decorateHeaders: (headers, req, initial) => this.decorateHeaders(headers, req, initial),
      upgradesOf: (name) => this.upgradesOf(name),
      sessionClosed: (session) => {
        if (this._sessions.get(session.id) === session) this._sessions.delete(session.id);
      },
    };
    this.factories = new Map(
      this.options.transports.map((name) => [name, transportRegistry.get(name)!(this.ctx)]),
    );
    // Read at every handshake and upgrade check: worked out once, from the offered transports.
    const offered = this.options.allowUpgrades ? [...this.factories] : [];
    for (const [name, factory] of offered) {
      const to = factory.upgradesTo.filter((t) => this.factories.has(t));
      if (to.length > 0) this.upgrades.set(name, Object.freeze(to));
    }
  }

  /** Number of open sessions. */
  get clientsCount(): number {
    return this._sessions.size;
  }

  /** Open sessions by id. */
  get sessions(): ReadonlyMap<string, Session> {
    return this._sessions;
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
    this.middlewares.push(middleware);
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
    for (const session of [...this._sessions.values()]) session.terminate("server shutting down");
    for (const factory of this.factories.values()) factory.close();
  }

  /**
   * Whether handshakes are refused (503, so that a load balancer tries another node) while
   * existing sessions go on: set by {@link Engine.refuseHandshakes} for a graceful shutdown.
   */
  get refusingHandshakes(): boolean {
    return this._refusingHandshakes;
  }

  /** Refuses new handshakes with 503 (or accepts them again with `false`). */
  refuseHandshakes(refuse = true): void {
    this._refusingHandshakes = refuse;
  }

  /** Handles one HTTP request of the engine (for frameworks that route themselves). */
  handleRequest(req: IncomingMessage, res: ServerResponse): void {
    const hostRefusal = checkHost(req, this.options.allowedHosts);
    if (hostRefusal !== undefined) {
      this.refuse(req, hostRefusal);
      writeError(res, hostRefusal);
      return;
    }
    checkOrigin(req, this.options.cors, (verdict) => {
      for (const name in verdict.headers) {
        const value = verdict.headers[name];
        if (value !== undefined) res.setHeader(name, value);
      }
      if (!verdict.allowed) {
        const error = new EngineError("ORIGIN_REFUSED", undefined, { origin: verdict.origin });
        this.refuse(req, error);
        writeError(res, error, undefined, readableRefusal(req, verdict.origin));
        this.closeRefusedSession(req, error);
        return;
      }
      if (isPreflight(req)) {
        res.writeHead(204, { "Content-Length": "0" });
        res.end();
        return;
      }
      checkNamedOrigin(this, req, (refusal) => {
        if (refusal === undefined) this.continueRequest(req, res);
        else {
          this.refuse(req, refusal);
          writeError(res, refusal);
          if (refusal.code === "SB_ERR_ORIGIN_REFUSED") this.closeRefusedSession(req, refusal);
        }
      });
    });
  }

  /** A request the origin policy allowed: middlewares, `verify`, then its transport. */
  private continueRequest(req: IncomingMessage, res: ServerResponse): void {
    this.runMiddlewares(req, res, (err) => {
      if (err !== undefined) {
        const error = new EngineError("MIDDLEWARE_FAILURE", String(err), {}, { cause: err });
        this.refuse(req, error);
        writeError(res, error);
      } else if (!res.writableEnded) {
        this.proveOrigin(req, false);
        verify(this, req, false, (error, message) => {
          if (error) {
            this.refuse(req, error);
            writeError(res, error, message);
          } else dispatchRequest(this, req, res);
        });
      }
    });
  }

  /** Handles one HTTP upgrade of the engine (for frameworks that route themselves). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refuse: Verdict = (error = new EngineError("BAD_REQUEST"), message) => {
      this.refuse(req, error);
      writeUpgradeError(socket, error, message);
    };
    const hostRefusal = checkHost(req, this.options.allowedHosts);
    if (hostRefusal !== undefined) {
      refuse(hostRefusal);
      return;
    }
    checkOrigin(req, this.options.cors, (verdict) => {
      if (!verdict.allowed) {
        const error = new EngineError("ORIGIN_REFUSED", undefined, { origin: verdict.origin });
        refuse(error);
        this.closeRefusedSession(req, error);
        return;
      }
      const res = new UpgradeResponse(socket);
      this.runMiddlewares(req, res as unknown as ServerResponse, (err) => {
        if (err !== undefined) refuse(new EngineError("MIDDLEWARE_FAILURE", String(err)));
        else if (!res.ended) {
          this.proveOrigin(req, true);
          verify(this, req, true, (error, message) => {
            if (error) refuse(error, message);
            else acceptUpgrade(this, req, socket, head);
          });
        }
      });
    });
  }

  /** @internal Opens a session on its first transport; `beforeOpen` runs once it is registered. */
  register(
    id: string,
    req: IncomingMessage,
    transport: ServerTransport,
    held: boolean,
    beforeOpen?: () => void,
  ): void {
    const session = new Session(id, req, transport, this.ctx);
    this._sessions.set(id, session);
    // The handshake request first (a poll then waits), so the open packet goes out alone on it.
    beforeOpen?.();
    // Its client may have left while the handshake was checked: the session is closed already.
    if (session.state === "closed") return;
    session.open(held, offeredUpgrades(this.upgradesOf(transport.name), req));
    trace("handshake", { sid: id, transport: transport.name, held });
    if (held) return;
    this.limitCredentials(session, req, "handshake");
    this.emit("connection", session);
  }

  /**
   * Before the application sees a session: a cross-origin one keeps its handshake's cookie only
   * when configured (see credentials.ts); `req` is the request that showed its origin.
   */
  private limitCredentials(session: Session, req: IncomingMessage, proof: CredentialProof): void {
    if (keepsCookie(req, proof, this.options.cors?.credentials === true)) return;
    if (session.request.headers.cookie === undefined) return;
    withholdCookie(session.request);
    trace("cookie withheld", { sid: session.id, origin: req.headers.origin, proof });
  }

  /**
   * A POST or an upgrade that passed the origin policy proves the origin of a held session
   * (jsonp, htmlfile: their GETs carry no Origin): browsers send `Origin` on every POST and
   * every WebSocket handshake, so one without it comes from a non-browser client. The session
   * opens, and only now does the application hear of it.
   */
  private proveOrigin(req: IncomingMessage, upgrade: boolean): void {
    const sid = queryOf(req).get("sid");
    if (sid === null || (!upgrade && req.method !== "POST")) return;
    const session = this._sessions.get(sid);
    if (session?.confirm()) {
      trace("origin proven", { sid, origin: req.headers.origin });
      this.limitCredentials(session, req, upgrade ? "upgrade" : "post");
      this.emit("connection", session);
    }
  }

  /**
   * A request refused by the origin policy that names a session closes it: its sid reached a
   * page that may not use it (e.g. a JSONP answer read by a foreign page).
   */
  private closeRefusedSession(req: IncomingMessage, error: EngineError): void {
    const sid = queryOf(req).get("sid");
    if (sid !== null) this._sessions.get(sid)?.terminate("transport error", error);
  }

  private runMiddlewares(
    req: IncomingMessage,
    res: ServerResponse,
    done: (err?: unknown) => void,
  ): void {
    if (this.middlewares.length === 0) {
      done();
      return;
    }
    let index = 0;
    const next = (err?: unknown): void => {
      if (err !== undefined && err !== null) {
        done(err);
        return;
      }
      const middleware = this.middlewares[index++];
      if (middleware === undefined) {
        done();
        return;
      }
      try {
        middleware(req, res, next);
      } catch (e) {
        done(e ?? new Error("middleware threw"));
      }
    };
    next();
  }

  /** @internal Tells the application of a refused request ("connection_error"). */
  refuse(req: IncomingMessage, error: EngineError): void {
    const code = error.engineCode ?? 3;
    trace("refused", { url: req.url, code: error.code, message: error.message });
    this.emit("connection_error", {
      req,
      code,
      message: engineIoErrorMessages[code],
      context: { ...error.context, sbCode: error.code, detail: error.message },
    });
  }

  private upgradesOf(name: string): readonly string[] {
    return this.upgrades.get(name) ?? NO_UPGRADES;
  }

  private decorateHeaders(headers: OutgoingHttpHeaders, req: IncomingMessage, initial: boolean) {
    if (initial) {
      const sid = this.handshakeIds.get(req);
      if (this.options.cookieEnabled && sid !== undefined) {
        headers["Set-Cookie"] = [serializeCookie(this.options, sid)];
      }
      this.emit("initial_headers", headers, req);
    }
    this.emit("headers", headers, req);
  }
}
