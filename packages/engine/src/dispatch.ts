/**
 * The last step of a request or upgrade that passed the checks: a session's request goes to
 * its transport (an upgrade starts onto the new one); a handshake gets an id and opens a
 * session. The checks may have been asynchronous, so the session's are made again first.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { trace } from "./debug.js";
import type { Engine } from "./engine.js";
import { EngineError } from "./errors.js";
import { queryOf, writeError, writeUpgradeError } from "./http-edge.js";
import type { ServerTransport } from "./transport.js";
import { checkSessionRequest, type EngineState } from "./verify.js";

/** What the dispatch uses of the engine (the engine itself passes as one). */
export type DispatchingEngine = EngineState &
  Pick<Engine, "handshakeIds" | "generateId" | "refuse" | "register" | "refusingHandshakes">;

/** Hands a checked HTTP request to its session's transport, or opens a session with it. */
export function dispatchRequest(
  engine: DispatchingEngine,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const query = queryOf(req);
  const sid = query.get("sid");
  const name = query.get("transport") ?? "";
  if (sid !== null) {
    // The checks may have taken a while: the session may have closed or moved meanwhile.
    const refusal = checkSessionRequest(engine, sid, name, false, req.method);
    const transport = refusal === undefined ? sessionTransport(engine, sid, name, req) : undefined;
    if (transport?.handleRequest) transport.handleRequest(req, res);
    else {
      const error = refusal ?? new EngineError("BAD_REQUEST");
      engine.refuse(req, error);
      writeError(res, error);
    }
    return;
  }
  const factory = engine.factories.get(name);
  if (factory?.via !== "http") return;
  createId(
    engine,
    req,
    (error) => writeError(res, error),
    (id) => {
      const transport = factory.create(req, true);
      const held = factory.needsOriginProof === true;
      engine.register(id, req, transport, held, () => transport.handleRequest?.(req, res));
    },
  );
}

/**
 * The transport that takes a checked request of session `sid` on transport `name`: the
 * session's own; the one it is upgrading to; or, for the GET of an HTTP stream the session may
 * upgrade to, a new one onto which an upgrade starts (its probe follows in a POST).
 */
function sessionTransport(
  engine: DispatchingEngine,
  sid: string,
  name: string,
  req: IncomingMessage,
): ServerTransport | undefined {
  const session = engine.sessions.get(sid)!;
  if (session.transport.name === name) return session.rawTransport;
  const upgrading = session.upgradingTo;
  if (upgrading?.name === name) return upgrading;
  const factory = engine.factories.get(name);
  if (factory?.via !== "http") return undefined;
  const transport = factory.create(req, false);
  session.startUpgrade(transport);
  return transport;
}

/** Accepts a checked upgrade: onto an existing session, or as a new session's transport. */
export function acceptUpgrade(
  engine: DispatchingEngine,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): void {
  const query = queryOf(req);
  const name = query.get("transport") ?? "";
  const factory = engine.factories.get(name);
  if (factory?.via !== "upgrade") return;
  const sid = query.get("sid");
  if (sid !== null) {
    // The checks may have taken a while: the session may have closed or moved meanwhile.
    const refusal = checkSessionRequest(engine, sid, name, true, req.method);
    if (refusal !== undefined) {
      engine.refuse(req, refusal);
      writeUpgradeError(socket, refusal);
      return;
    }
    factory.accept(req, socket, head, false, (transport) => {
      const session = engine.sessions.get(sid);
      if (session?.canUpgradeTo(name)) session.startUpgrade(transport);
      else {
        // Already on it, upgrading, or closed meanwhile: open then close, as Engine.IO does.
        trace("extra websocket closed", { sid, transport: name });
        transport.close("immediate");
      }
    });
    return;
  }
  createId(
    engine,
    req,
    (error) => writeUpgradeError(socket, error),
    (id) => {
      factory.accept(req, socket, head, true, (transport) =>
        engine.register(id, req, transport, factory.needsOriginProof === true),
      );
    },
  );
}

/**
 * The id of a new session from `generateId`, noted for the handshake's cookie; if it gives none
 * usable (not a non-empty string, taken, thrown, rejected), the request is refused instead.
 */
function createId(
  engine: DispatchingEngine,
  req: IncomingMessage,
  answerRefusal: (error: EngineError) => void,
  callback: (id: string) => void,
): void {
  if (engine.refusingHandshakes) {
    const error = new EngineError("DRAINING", "The server is shutting down");
    engine.refuse(req, error);
    answerRefusal(error);
    return;
  }
  const refuse = (): void => {
    const error = new EngineError("BAD_REQUEST", "generateId gave no usable id");
    engine.refuse(req, error);
    answerRefusal(error);
  };
  const accept = (id: unknown): void => {
    if (typeof id !== "string" || id === "" || engine.sessions.has(id)) {
      refuse();
      return;
    }
    engine.handshakeIds.set(req, id);
    callback(id);
  };
  let id: string | Promise<string>;
  try {
    id = engine.generateId(req);
  } catch {
    refuse();
    return;
  }
  if (typeof id === "string") accept(id);
  else id.then(accept, refuse);
}
