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
import { EngineError, type EngineIoErrorCode, engineIoErrorMessages } from "./errors.js";
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
import type {
  ServerTransport,
  TransportContext,
  TransportFactory,
  TransportFactoryMaker,
} from "./transport.js";
import { htmlfileFactory } from "./transports/htmlfile.js";
import { jsonpFactory } from "./transports/jsonp.js";
import { pollingFactory } from "./transports/polling.js";
import { sseFactory } from "./transports/sse.js";
import { websocketFactory } from "./transports/websocket.js";

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

/** The transports an engine can offer, by name; new transports register here. */
export const transportRegistry: ReadonlyMap<string, TransportFactoryMaker> = new Map<
  string,
  TransportFactoryMaker
>([
  ["polling", pollingFactory],
  ["websocket", websocketFactory],
  ["sse", sseFactory],
  ["jsonp", jsonpFactory],
  ["htmlfile", htmlfileFactory],
]);

type Verdict = (error?: EngineError, message?: string) => void;

/** An Engine.IO v4 server. */
export class Engine extends EventEmitter<EngineEvents> {
  /** The resolved options. */
  readonly options: ResolvedEngineOptions;
  private readonly _sessions = new Map<string, Session>();
  private readonly factories: ReadonlyMap<string, TransportFactory>;
  private readonly middlewares: Middleware[] = [];
  private readonly ctx: TransportContext & SessionContext;
  /** Ids of sessions whose handshake response is being written (for the cookie). */
  private readonly handshakeIds = new WeakMap<IncomingMessage, string>();

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
    return attachToServer(server, path, {
      request: (req, res) => this.handleRequest(req, res),
      upgrade: (req, socket, head) => this.handleUpgrade(req, socket, head),
      serverClosed: () => this.close(),
    });
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

  /** Handles one HTTP request of the engine (for frameworks that route themselves). */
  handleRequest(req: IncomingMessage, res: ServerResponse): void {
    checkOrigin(req, this.options.cors, (verdict) => {
      for (const name in verdict.headers) {
        const value = verdict.headers[name];
        if (value !== undefined) res.setHeader(name, value);
      }
      if (!verdict.allowed) {
        const error = new EngineError("ORIGIN_REFUSED", undefined, { origin: verdict.origin });
        this.refuse(req, error);
        writeError(res, error);
        this.closeRefusedSession(req, error);
        return;
      }
      if (isPreflight(req)) {
        res.writeHead(204, { "Content-Length": "0" });
        res.end();
        return;
      }
      this.checkNamedOrigin(req, (refusal) => {
        if (refusal === undefined) this.continueRequest(req, res);
        else {
          this.refuse(req, refusal);
          writeError(res, refusal);
          if (refusal.code === "SB_ERR_ORIGIN_REFUSED") this.closeRefusedSession(req, refusal);
        }
      });
    });
  }

  /**
   * The transport's part of the origin policy (an origin named in the query, as htmlfile's
   * `o`), before any middleware sees the request. Calls back once.
   */
  private checkNamedOrigin(req: IncomingMessage, done: (refusal?: EngineError) => void): void {
    const factory = this.factories.get(queryOf(req).get("transport") ?? "");
    if (factory?.via !== "http" || factory.checkOrigin === undefined) {
      done();
      return;
    }
    let answered = false;
    factory.checkOrigin(req, (refusal) => {
      if (answered) return;
      answered = true;
      done(refusal);
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
        this.verify(req, false, (error, message) => {
          if (error) {
            this.refuse(req, error);
            writeError(res, error, message);
          } else this.dispatch(req, res);
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
          this.verify(req, true, (error, message) => {
            if (error) refuse(error, message);
            else this.acceptUpgrade(req, socket, head);
          });
        }
      });
    });
  }

  private acceptUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const query = queryOf(req);
    const name = query.get("transport") ?? "";
    const factory = this.factories.get(name);
    if (factory?.via !== "upgrade") return;
    const sid = query.get("sid");
    if (sid !== null) {
      // The checks may have taken a while: the session may have closed or moved meanwhile.
      const refusal = this.checkSessionRequest(sid, name, true);
      if (refusal !== undefined) {
        this.refuse(req, refusal);
        writeUpgradeError(socket, refusal);
        return;
      }
      factory.accept(req, socket, head, false, (transport) => {
        const session = this._sessions.get(sid);
        if (session?.canUpgradeTo(name)) session.startUpgrade(transport);
        else transport.close("immediate");
      });
      return;
    }
    this.createId(req, (id) => {
      if (id === undefined) {
        const error = new EngineError("BAD_REQUEST", "generateId gave no usable id");
        this.refuse(req, error);
        writeUpgradeError(socket, error);
        return;
      }
      this.handshakeIds.set(req, id);
      factory.accept(req, socket, head, true, (transport) =>
        this.register(id, req, transport, factory.needsOriginProof === true),
      );
    });
  }

  private dispatch(req: IncomingMessage, res: ServerResponse): void {
    const query = queryOf(req);
    const sid = query.get("sid");
    const name = query.get("transport") ?? "";
    if (sid !== null) {
      // The checks may have taken a while: the session may have closed or moved meanwhile.
      const refusal = this.checkSessionRequest(sid, name, false);
      const transport = this._sessions.get(sid)?.rawTransport;
      if (refusal === undefined && transport?.handleRequest) transport.handleRequest(req, res);
      else {
        const error = refusal ?? new EngineError("BAD_REQUEST");
        this.refuse(req, error);
        writeError(res, error);
      }
      return;
    }
    const factory = this.factories.get(name);
    if (factory?.via !== "http") return;
    this.createId(req, (id) => {
      if (id === undefined) {
        const error = new EngineError("BAD_REQUEST", "generateId gave no usable id");
        this.refuse(req, error);
        writeError(res, error);
        return;
      }
      this.handshakeIds.set(req, id);
      const transport = factory.create(req, true);
      const held = factory.needsOriginProof === true;
      this.register(id, req, transport, held, () => transport.handleRequest?.(req, res));
    });
  }

  private register(
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
    session.open(held);
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

  /**
   * Engine.IO's checks (its `verify`): known transport; for a session's request, a known sid on
   * the same transport (or an allowed upgrade); for a handshake, GET, EIO=4, the right kind of
   * request for the transport, and `allowRequest`.
   */
  private verify(req: IncomingMessage, upgrade: boolean, verdict: Verdict): void {
    const name = queryOf(req).get("transport") ?? "";
    const factory = this.factories.get(name);
    if (factory === undefined) {
      verdict(new EngineError("UNKNOWN_TRANSPORT", undefined, { transport: name }));
      return;
    }
    this.verifyEngine(req, upgrade, factory, (error, message) => {
      if (error !== undefined || factory.via !== "http" || factory.check === undefined) {
        verdict(error, message);
        return;
      }
      let answered = false;
      factory.check(req, (refusal) => {
        if (answered) return;
        answered = true;
        verdict(refusal);
      });
    });
  }

  private verifyEngine(
    req: IncomingMessage,
    upgrade: boolean,
    factory: TransportFactory,
    verdict: Verdict,
  ): void {
    const query = queryOf(req);
    const name = factory.name;
    const byUpgrade = factory.via === "upgrade";
    const sid = query.get("sid");
    if (sid !== null) {
      if (upgrade !== byUpgrade) verdict(new EngineError("BAD_REQUEST", "Wrong request kind"));
      else verdict(this.checkSessionRequest(sid, name, upgrade));
      return;
    }
    if (req.method !== "GET") {
      verdict(new EngineError("BAD_HANDSHAKE_METHOD", undefined, { method: req.method }));
    } else if (query.get("EIO") !== "4") {
      const protocol = query.get("EIO");
      verdict(new EngineError("UNSUPPORTED_PROTOCOL_VERSION", undefined, { protocol }));
    } else if (upgrade !== byUpgrade) {
      verdict(new EngineError("BAD_REQUEST", "Wrong request kind for the transport"));
    } else if (this.options.allowRequest === undefined) {
      verdict();
    } else {
      let answered = false;
      this.options.allowRequest(req, (message, success) => {
        if (answered) return;
        answered = true;
        if (success) verdict();
        else verdict(new EngineError("FORBIDDEN", message ?? undefined), message ?? undefined);
      });
    }
  }

  /**
   * Whether a request of session `sid` on transport `name` may go on now: the session exists
   * and is on that transport (or, for an upgrade, may upgrade to it). Checked in `verify` and
   * again right before the request is handed on, since the checks between may be asynchronous.
   */
  private checkSessionRequest(
    sid: string,
    name: string,
    upgrade: boolean,
  ): EngineError | undefined {
    const session = this._sessions.get(sid);
    if (session === undefined) return new EngineError("UNKNOWN_SID", undefined, { sid });
    if (!upgrade && session.transport.name !== name) {
      const previous = session.transport.name;
      return new EngineError("TRANSPORT_MISMATCH", undefined, { transport: name, previous });
    }
    if (upgrade && !session.canUpgradeTo(name)) {
      return new EngineError("UPGRADE_REFUSED", undefined, { sid, transport: name });
    }
    return undefined;
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

  private createId(req: IncomingMessage, callback: (id: string | undefined) => void): void {
    const accept = (id: unknown): void => {
      callback(typeof id === "string" && id !== "" && !this._sessions.has(id) ? id : undefined);
    };
    try {
      const id = this.generateId(req);
      if (typeof id === "string") accept(id);
      else id.then(accept, () => callback(undefined));
    } catch {
      callback(undefined);
    }
  }

  private refuse(req: IncomingMessage, error: EngineError): void {
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
    if (!this.options.allowUpgrades) return [];
    return (this.factories.get(name)?.upgradesTo ?? []).filter((t) => this.factories.has(t));
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
