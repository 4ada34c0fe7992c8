/**
 * Engine.IO's checks of a request or upgrade (its `verify`), and the transport's part of the
 * origin policy. They read the session registry; the admission runs them in order, once each.
 */
import type { IncomingMessage } from "node:http";
import { EngineError } from "./errors.js";
import { queryOf } from "./http-edge.js";
import type { AllowRequest } from "./options.js";
import type { Session } from "./session.js";
import type { SessionRegistry } from "./session-registry.js";
import type { TransportFactory } from "./transport.js";

/** How a request reaches the engine: a plain HTTP request, or an HTTP upgrade. */
export type Via = TransportFactory["via"];

/** The factories that take requests arriving `via`. */
export type FactoryVia<V extends Via> = Extract<TransportFactory, { readonly via: V }>;

/** A request that passed {@link verify}. */
export interface Verified<V extends Via> {
  /** Its transport's factory. */
  readonly factory: FactoryVia<V>;
  /** Its session; undefined for a handshake. */
  readonly session: Session | undefined;
}

/** `fn`, called at most once: a user's check that answers twice is heard the first time. */
export function once<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
  let answered = false;
  return (...args) => {
    if (answered) return;
    answered = true;
    fn(...args);
  };
}

/**
 * The transport's part of the origin policy (an origin named in the query, as htmlfile's `o`),
 * before any middleware sees the request; only for a transport that takes requests `via` this
 * way. Calls back once.
 */
export function checkNamedOrigin(
  registry: SessionRegistry,
  req: IncomingMessage,
  via: Via,
  done: (refusal?: EngineError) => void,
): void {
  const factory = registry.factories.get(queryOf(req).get("transport") ?? "");
  if (factory?.via !== "http" || via !== "http" || factory.checkOrigin === undefined) {
    done();
    return;
  }
  factory.checkOrigin(req, once(done));
}

/**
 * Engine.IO's checks (its `verify`) that need no waiting: a known transport that takes requests
 * `via` this way; for a session's request, a known sid on that transport (or one it may
 * upgrade to, or is upgrading to); for a handshake, GET and EIO=4. `allowRequest` (handshakes)
 * and the transport's own check follow.
 */
export function verify<V extends Via>(
  registry: SessionRegistry,
  req: IncomingMessage,
  via: V,
): Verified<V> | EngineError {
  const query = queryOf(req);
  const name = query.get("transport") ?? "";
  const factory = registry.factories.get(name);
  if (factory === undefined) {
    return new EngineError("UNKNOWN_TRANSPORT", undefined, { transport: name });
  }
  const sid = query.get("sid");
  if (sid !== null) {
    if (factory.via !== via) return new EngineError("BAD_REQUEST", "Wrong request kind");
    const session = checkSessionRequest(registry, sid, name, via, req.method);
    if (session instanceof EngineError) return session;
    return { factory: factory as FactoryVia<V>, session };
  }
  if (req.method !== "GET") {
    return new EngineError("BAD_HANDSHAKE_METHOD", undefined, { method: req.method });
  }
  if (query.get("EIO") !== "4") {
    const protocol = query.get("EIO");
    return new EngineError("UNSUPPORTED_PROTOCOL_VERSION", undefined, { protocol });
  }
  if (factory.via !== via) {
    return new EngineError("BAD_REQUEST", "Wrong request kind for the transport");
  }
  return { factory: factory as FactoryVia<V>, session: undefined };
}

/** Asks the application's `allowRequest` about a handshake. Calls back once. */
export function askAllowRequest(
  allowRequest: AllowRequest,
  req: IncomingMessage,
  done: (refusal: EngineError | undefined, message?: string) => void,
): void {
  allowRequest(
    req,
    once((message: string | null | undefined, success: boolean) => {
      if (success) done(undefined);
      else done(new EngineError("FORBIDDEN", message ?? undefined), message ?? undefined);
    }),
  );
}

/**
 * A second WebSocket for a session already on it, or in the middle of an upgrade: Engine.IO
 * accepts it and then closes it (the session keeps its transport), and clients and conformance
 * tools expect that open-then-close rather than a failed handshake. The dispatch does the close.
 */
function supersedes(session: Session, name: string): boolean {
  return session.transport.name === name || session.upgrading;
}

/**
 * The session of a request of session `sid` on transport `name`, if it may go on: the session
 * exists and is on that transport, or may upgrade to it (a WebSocket upgrade, or the GET that
 * opens an HTTP stream to upgrade to), or is upgrading to it (that stream's POSTs).
 */
export function checkSessionRequest(
  registry: SessionRegistry,
  sid: string,
  name: string,
  via: Via,
  method: string | undefined,
): Session | EngineError {
  const session = registry.sessions.get(sid);
  if (session === undefined) return new EngineError("UNKNOWN_SID", undefined, { sid });
  if (via === "http" && session.transport.name !== name) {
    if (session.upgradingTo?.name === name) return session;
    if (method === "GET" && session.canUpgradeTo(name)) return session;
    const previous = session.transport.name;
    return new EngineError("TRANSPORT_MISMATCH", undefined, { transport: name, previous });
  }
  if (via === "upgrade" && !session.canUpgradeTo(name) && !supersedes(session, name)) {
    return new EngineError("UPGRADE_REFUSED", undefined, { sid, transport: name });
  }
  return session;
}
