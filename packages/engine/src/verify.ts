/**
 * Engine.IO's checks of a request or upgrade (its `verify`), and the transport's part of the
 * origin policy. They read the engine's sessions and transport factories and answer through a
 * callback, since `allowRequest` and a transport's checks may be asynchronous.
 */
import type { IncomingMessage } from "node:http";
import type { Engine } from "./engine.js";
import { EngineError } from "./errors.js";
import { queryOf } from "./http-edge.js";
import type { TransportFactory } from "./transport.js";

/** `fn`, called at most once: a user's check that answers twice is heard the first time. */
function once<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
  let answered = false;
  return (...args) => {
    if (answered) return;
    answered = true;
    fn(...args);
  };
}

/** The answer of a check: no error to go on; with an error, the request is refused. */
export type Verdict = (error?: EngineError, message?: string) => void;

/** What the checks read of the engine (the engine itself passes as one). */
export type EngineState = Pick<Engine, "options" | "sessions" | "factories">;

/**
 * The transport's part of the origin policy (an origin named in the query, as htmlfile's
 * `o`), before any middleware sees the request. Calls back once.
 */
export function checkNamedOrigin(
  engine: EngineState,
  req: IncomingMessage,
  done: (refusal?: EngineError) => void,
): void {
  const factory = engine.factories.get(queryOf(req).get("transport") ?? "");
  if (factory?.via !== "http" || factory.checkOrigin === undefined) {
    done();
    return;
  }
  factory.checkOrigin(req, once(done));
}

/**
 * Engine.IO's checks (its `verify`): known transport; for a session's request, a known sid on
 * the same transport (or an allowed upgrade); for a handshake, GET, EIO=4, the right kind of
 * request for the transport, and `allowRequest`.
 */
export function verify(
  engine: EngineState,
  req: IncomingMessage,
  upgrade: boolean,
  verdict: Verdict,
): void {
  const name = queryOf(req).get("transport") ?? "";
  const factory = engine.factories.get(name);
  if (factory === undefined) {
    verdict(new EngineError("UNKNOWN_TRANSPORT", undefined, { transport: name }));
    return;
  }
  verifyEngine(engine, req, upgrade, factory, (error, message) => {
    if (error !== undefined || factory.via !== "http" || factory.check === undefined) {
      verdict(error, message);
      return;
    }
    factory.check(req, once(verdict));
  });
}

function verifyEngine(
  engine: EngineState,
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
    else verdict(checkSessionRequest(engine, sid, name, upgrade, req.method));
    return;
  }
  if (req.method !== "GET") {
    verdict(new EngineError("BAD_HANDSHAKE_METHOD", undefined, { method: req.method }));
  } else if (query.get("EIO") !== "4") {
    const protocol = query.get("EIO");
    verdict(new EngineError("UNSUPPORTED_PROTOCOL_VERSION", undefined, { protocol }));
  } else if (upgrade !== byUpgrade) {
    verdict(new EngineError("BAD_REQUEST", "Wrong request kind for the transport"));
  } else if (engine.options.allowRequest === undefined) {
    verdict();
  } else {
    engine.options.allowRequest(
      req,
      once((message: string | null | undefined, success: boolean) => {
        if (success) verdict();
        else verdict(new EngineError("FORBIDDEN", message ?? undefined), message ?? undefined);
      }),
    );
  }
}

/**
 * A second WebSocket for a session already on it, or in the middle of an upgrade: Engine.IO
 * accepts it and then closes it (the session keeps its transport), and clients and conformance
 * tools expect that open-then-close rather than a failed handshake. The dispatch does the close.
 */
function supersedes(
  session: { readonly transport: { readonly name: string }; readonly upgrading: boolean },
  name: string,
): boolean {
  return session.transport.name === name || session.upgrading;
}

/**
 * Whether a request of session `sid` on transport `name` may go on now: the session exists
 * and is on that transport, or may upgrade to it (a WebSocket upgrade, or the GET that opens
 * an HTTP stream to upgrade to), or is upgrading to it (that stream's POSTs). Checked in
 * `verify` and again right before the request is handed on, since the checks between may be
 * asynchronous.
 */
export function checkSessionRequest(
  engine: EngineState,
  sid: string,
  name: string,
  upgrade: boolean,
  method: string | undefined,
): EngineError | undefined {
  const session = engine.sessions.get(sid);
  if (session === undefined) return new EngineError("UNKNOWN_SID", undefined, { sid });
  if (!upgrade && session.transport.name !== name) {
    if (session.upgradingTo?.name === name) return undefined;
    if (method === "GET" && session.canUpgradeTo(name)) return undefined;
    const previous = session.transport.name;
    return new EngineError("TRANSPORT_MISMATCH", undefined, { transport: name, previous });
  }
  if (upgrade && !session.canUpgradeTo(name) && !supersedes(session, name)) {
    return new EngineError("UPGRADE_REFUSED", undefined, { sid, transport: name });
  }
  return undefined;
}
