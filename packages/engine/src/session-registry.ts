/**
 * The sessions of one engine and what they are made from: the offered transports' factories,
 * which transport may upgrade to which, the ids of handshakes being answered (for the cookie),
 * and the one place a session is opened and announced. The admission's checks and the
 * dispatch read it; the engine composes it and hears from it through {@link RegistryHooks}.
 */
import type { IncomingMessage, OutgoingHttpHeaders } from "node:http";
import { type CredentialProof, keepsCookie, withholdCookie } from "./credentials.js";
import { trace } from "./debug.js";
import type { EngineError } from "./errors.js";
import { queryOf } from "./http-edge.js";
import { type ResolvedEngineOptions, serializeCookie } from "./options.js";
import { Session, type SessionContext } from "./session.js";
import type { ServerTransport, TransportContext, TransportFactory } from "./transport.js";
import { transportRegistry } from "./transport-registry.js";
import { offeredUpgrades } from "./upgrade.js";

const NO_UPGRADES: readonly string[] = Object.freeze([]);

/** What the registry tells its engine. */
export interface RegistryHooks {
  /** Response headers for `req` are about to be written (`initial`: a handshake's answer). */
  headers(headers: OutgoingHttpHeaders, req: IncomingMessage, initial: boolean): void;
  /** A session is open and its origin known: the application may hear of it. */
  connection(session: Session): void;
}

/** The sessions of one engine, by id, and the transports they are made of. */
export class SessionRegistry {
  /** The offered transports' factories, by name. */
  readonly factories: ReadonlyMap<string, TransportFactory>;
  private readonly _sessions = new Map<string, Session>();
  /** Transports a session on each transport may upgrade to (offered ones only). */
  private readonly upgrades = new Map<string, readonly string[]>();
  /** Ids of sessions whose handshake response is being written (for the cookie). */
  private readonly handshakeIds = new WeakMap<IncomingMessage, string>();
  private readonly ctx: TransportContext & SessionContext;

  constructor(
    readonly options: ResolvedEngineOptions,
    private readonly hooks: RegistryHooks,
  ) {
    this.ctx = {
      options,
      decorateHeaders: (headers, req, initial) => this.decorateHeaders(headers, req, initial),
      upgradesOf: (name) => this.upgradesOf(name),
      sessionClosed: (session) => {
        if (this._sessions.get(session.id) === session) this._sessions.delete(session.id);
      },
    };
    this.factories = new Map(
      options.transports.map((name) => [name, transportRegistry.get(name)!(this.ctx)]),
    );
    // Read at every handshake and upgrade check: worked out once, from the offered transports.
    const offered = options.allowUpgrades ? [...this.factories] : [];
    for (const [name, factory] of offered) {
      const to = factory.upgradesTo.filter((t) => this.factories.has(t));
      if (to.length > 0) this.upgrades.set(name, Object.freeze(to));
    }
  }

  /** Open sessions by id. */
  get sessions(): ReadonlyMap<string, Session> {
    return this._sessions;
  }

  /** Transports a session currently on transport `name` may upgrade to. */
  upgradesOf(name: string): readonly string[] {
    return this.upgrades.get(name) ?? NO_UPGRADES;
  }

  /**
   * Takes `id` for the session that handshake `req` opens (its response sets the cookie);
   * false when it is no usable id (not a non-empty string, or taken).
   */
  reserveId(req: IncomingMessage, id: unknown): id is string {
    if (typeof id !== "string" || id === "" || this._sessions.has(id)) return false;
    this.handshakeIds.set(req, id);
    return true;
  }

  /**
   * Opens a session on its first transport; `beforeOpen` runs once it is registered (it hands
   * the handshake request to the transport, so that the open packet goes out alone on it). A
   * held session (`held`: its transport's GETs show no origin) is announced only once a later
   * request proves its origin ({@link proveOrigin}).
   */
  register(
    id: string,
    req: IncomingMessage,
    transport: ServerTransport,
    held: boolean,
    beforeOpen?: () => void,
  ): void {
    const session = new Session(id, req, transport, this.ctx);
    this._sessions.set(id, session);
    beforeOpen?.();
    // Its client may have left while the handshake was checked: the session is closed already.
    if (session.state === "closed") return;
    session.open(held, offeredUpgrades(this.upgradesOf(transport.name), req));
    trace("handshake", { sid: id, transport: transport.name, held });
    if (!held) this.announce(session, req, "handshake");
  }

  /**
   * A POST or an upgrade that passed the origin policy proves the origin of a held session
   * (jsonp, htmlfile: their GETs carry no Origin): browsers send `Origin` on every POST and
   * every WebSocket handshake, so one without it comes from a non-browser client. The session
   * opens, and only now does the application hear of it.
   */
  proveOrigin(req: IncomingMessage, via: TransportFactory["via"]): void {
    const sid = queryOf(req).get("sid");
    if (sid === null || (via === "http" && req.method !== "POST")) return;
    const session = this._sessions.get(sid);
    if (session?.confirm()) {
      trace("origin proven", { sid, origin: req.headers.origin });
      this.announce(session, req, via === "upgrade" ? "upgrade" : "post");
    }
  }

  /**
   * A request refused by the origin policy that names a session closes it: its sid reached a
   * page that may not use it (e.g. a JSONP answer read by a foreign page).
   */
  closeRefusedSession(req: IncomingMessage, error: EngineError): void {
    const sid = queryOf(req).get("sid");
    if (sid !== null) this._sessions.get(sid)?.terminate("transport error", error);
  }

  /** Closes every session with "server shutting down" and releases the factories. */
  close(): void {
    for (const session of [...this._sessions.values()]) session.terminate("server shutting down");
    for (const factory of this.factories.values()) factory.close?.();
  }

  /**
   * Before the application sees a session: a cross-origin one keeps its handshake's cookie only
   * when configured (see credentials.ts); `req` is the request that showed its origin.
   */
  private announce(session: Session, req: IncomingMessage, proof: CredentialProof): void {
    const keeps = keepsCookie(req, proof, this.options.cors?.credentials === true);
    if (!keeps && session.request.headers.cookie !== undefined) {
      withholdCookie(session.request);
      trace("cookie withheld", { sid: session.id, origin: req.headers.origin, proof });
    }
    this.hooks.connection(session);
  }

  private decorateHeaders(headers: OutgoingHttpHeaders, req: IncomingMessage, initial: boolean) {
    if (initial) {
      const sid = this.handshakeIds.get(req);
      if (this.options.cookieEnabled && sid !== undefined) {
        headers["Set-Cookie"] = [serializeCookie(this.options, sid)];
      }
    }
    this.hooks.headers(headers, req, initial);
  }
}
