/**
 * How a request or an upgrade gets in: one sequence of named stages, the same for both, each
 * run once ({@link STAGES}). A stage either lets the request go on at once, or takes it over:
 * it refuses it, answers it (a preflight, a middleware that ends the response), or waits for an
 * asynchronous answer and then resumes the sequence. The last stage hands the request to its
 * session's transport or opens a session with it (dispatch.ts). What differs between a request
 * and an upgrade (how a refusal is written, CORS headers, the hand-over) is the two
 * {@link Admission} subclasses; every stage reads the request's `via`, the transport kind.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { checkOrigin, isPreflight, type OriginVerdict } from "./cors.js";
import { openHttpSession, openUpgradeSession, routeRequest, upgradeSession } from "./dispatch.js";
import { EngineError } from "./errors.js";
import { checkHost } from "./hosts.js";
import { UpgradeResponse, writeError, writeUpgradeError } from "./http-edge.js";
import { pollingFallback } from "./polling-fallback.js";
import type { SessionRegistry } from "./session-registry.js";
import type { TransportFactory } from "./transport.js";
import { askAllowRequest, checkNamedOrigin, type Verified, type Via, verify } from "./verify.js";

/** An Express-compatible middleware, run before every request and upgrade is verified. */
export type Middleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (err?: unknown) => void,
) => void;

/** What the admission asks of its engine. */
export interface AdmissionHost {
  readonly registry: SessionRegistry;
  readonly middlewares: readonly Middleware[];
  /** Whether new handshakes are refused (503). */
  readonly refusingHandshakes: boolean;
  /** The id of a new session (may be a Promise). */
  generateId(req: IncomingMessage): string | Promise<string>;
  /** Tells the application of a refused request ("connection_error"). */
  refused(req: IncomingMessage, error: EngineError): void;
}

/** A stage's answer: go on to the next stage now, or stop (the stage took the request over). */
const NEXT = true;
const STOP = false;

/** One step of the admission. */
type Stage = <V extends Via>(a: Admission<V>) => boolean;

/**
 * The stages, in order. From `verify` on, nothing waits for a session's request
 * (`allowRequest` and the id are for handshakes only), so the session `verify` found is the one
 * the request is handed to.
 */
const STAGES: readonly Stage[] = [
  allowedHost,
  originPolicy,
  preflight,
  namedOrigin,
  middlewares,
  originProof,
  engineChecks,
  allowRequest,
  transportCheck,
  sessionId,
  dispatch,
];

/** One request or upgrade going through the stages. */
export abstract class Admission<V extends Via> {
  abstract readonly via: V;
  /** The next stage. */
  private stage = 0;
  /** The transport and session `verify` found. */
  verified: Verified<V> | undefined;
  /** The new session's id (handshakes), set by the `sessionId` stage. */
  protected id = "";

  constructor(
    readonly host: AdmissionHost,
    readonly req: IncomingMessage,
    /** What middlewares get as the response (a stand-in for an upgrade). */
    readonly res: ServerResponse,
  ) {}

  /** Runs the stages from where the admission is, until one stops. */
  next(): void {
    for (;;) {
      const stage = STAGES[this.stage++];
      if (stage === undefined || stage(this) === STOP) return;
    }
  }

  /** Refuses the request: reported, answered; a session it names closes if its origin is refused. */
  refuse(error: EngineError, message?: string): void {
    this.host.refused(this.req, error);
    this.answerRefusal(error, message);
    if (error.code === "SB_ERR_ORIGIN_REFUSED") {
      this.host.registry.closeRefusedSession(this.req, error);
    }
  }

  /** The checked request's transport and session (the stages after `verify`). */
  get checked(): Verified<V> {
    return this.verified!;
  }

  /** Takes `id` for the new session; refuses the handshake when it is not usable. */
  takeId(id: unknown): boolean {
    if (this.host.registry.reserveId(this.req, id)) {
      this.id = id;
      return true;
    }
    this.refuse(new EngineError("BAD_REQUEST", "generateId gave no usable id"));
    return false;
  }

  /** Applies the origin policy's verdict to the answer (CORS headers). */
  abstract applyPolicy(verdict: OriginVerdict): void;
  /** Writes a refusal. */
  protected abstract answerRefusal(error: EngineError, message?: string): void;
  /** Hands the checked request on (dispatch.ts). */
  abstract dispatch(): void;
}

/**
 * The refused page may read the refusal itself (403 and Engine.IO's constant body, nothing
 * else): without these headers the browser hides even the status, and the page's client could
 * only say that the request failed, not that its origin was refused. Not for preflights, whose
 * answers no script reads; the request they guard is never sent.
 */
function readableRefusal(res: ServerResponse, req: IncomingMessage, origin: string | undefined) {
  if (origin === undefined || isPreflight(req)) return;
  res.setHeader("Access-Control-Allow-Origin", origin);
  res.setHeader("Access-Control-Allow-Credentials", "true");
}

/** A plain HTTP request of the engine. */
export class HttpAdmission extends Admission<"http"> {
  readonly via = "http";

  applyPolicy(verdict: OriginVerdict): void {
    for (const name in verdict.headers) {
      const value = verdict.headers[name];
      if (value !== undefined) this.res.setHeader(name, value);
    }
    if (!verdict.allowed) readableRefusal(this.res, this.req, verdict.origin);
  }

  protected answerRefusal(error: EngineError, message?: string): void {
    writeError(this.res, error, message);
  }

  dispatch(): void {
    const { factory, session } = this.checked;
    if (session !== undefined) routeRequest(session, factory, this.req, this.res);
    else openHttpSession(this.host.registry, this.id, factory, this.req, this.res);
  }
}

/** An HTTP upgrade of the engine (a WebSocket). */
export class UpgradeAdmission extends Admission<"upgrade"> {
  readonly via = "upgrade";

  constructor(
    host: AdmissionHost,
    req: IncomingMessage,
    private readonly socket: Duplex,
    private readonly head: Buffer,
  ) {
    super(host, req, new UpgradeResponse(socket) as unknown as ServerResponse);
  }

  /** CORS does not apply to a WebSocket handshake: the policy's verdict is all that counts. */
  applyPolicy(): void {}

  protected answerRefusal(error: EngineError, message?: string): void {
    writeUpgradeError(this.socket, error, message);
  }

  dispatch(): void {
    const { factory, session } = this.checked;
    if (session !== undefined) upgradeSession(session, factory, this.req, this.socket, this.head);
    else {
      openUpgradeSession(this.host.registry, this.id, factory, this.req, this.socket, this.head);
    }
  }
}

/** `allowedHosts`: a request for another `Host` is refused before anything else. */
function allowedHost<V extends Via>(a: Admission<V>): boolean {
  const refusal = checkHost(a.req, a.host.registry.options.allowedHosts);
  if (refusal === undefined) return NEXT;
  a.refuse(refusal);
  return STOP;
}

/** The origin policy on the `Origin` header (asynchronous with a `cors.origin` function). */
function originPolicy<V extends Via>(a: Admission<V>): boolean {
  return resume(a, (done) =>
    checkOrigin(a.req, a.host.registry.options.cors, (verdict) => {
      a.applyPolicy(verdict);
      if (verdict.allowed) done(undefined);
      else done(new EngineError("ORIGIN_REFUSED", undefined, { origin: verdict.origin }));
    }),
  );
}

/** An allowed preflight is answered here (204): nothing else runs for it. */
function preflight<V extends Via>(a: Admission<V>): boolean {
  if (!isPreflight(a.req)) return NEXT;
  a.res.writeHead(204, { "Content-Length": "0" });
  a.res.end();
  return STOP;
}

/** The transport's part of the policy (htmlfile's `o`), before any middleware sees it. */
function namedOrigin<V extends Via>(a: Admission<V>): boolean {
  return resume(a, (done) =>
    checkNamedOrigin(a.host.registry, a.req, a.via, (refusal) => done(refusal)),
  );
}

/** `engine.use` middlewares, in order; one that answers ends the admission. */
function middlewares<V extends Via>(a: Admission<V>): boolean {
  const list = a.host.middlewares;
  if (list.length === 0) return NEXT;
  return resume(a, (done) => {
    let index = 0;
    const next = (err?: unknown): void => {
      if (err !== undefined && err !== null) {
        done(new EngineError("MIDDLEWARE_FAILURE", String(err), {}, { cause: err }));
        return;
      }
      const middleware = list[index++];
      if (middleware === undefined) {
        // A middleware may have answered the request itself: nothing more to do then.
        if (!a.res.writableEnded) done(undefined);
        return;
      }
      try {
        middleware(a.req, a.res, next);
      } catch (e) {
        next(e ?? new Error("middleware threw"));
      }
    };
    next();
  });
}

/** A POST or an upgrade that passed the policy opens a held session (jsonp, htmlfile). */
function originProof<V extends Via>(a: Admission<V>): boolean {
  a.host.registry.proveOrigin(a.req, a.via);
  return NEXT;
}

/** Engine.IO's checks that need no waiting, the session's included (verify.ts). */
function engineChecks<V extends Via>(a: Admission<V>): boolean {
  const verified = verify(a.host.registry, a.req, a.via);
  if (verified instanceof EngineError) {
    a.refuse(verified);
    return STOP;
  }
  a.verified = verified;
  return NEXT;
}

/** The application's `allowRequest`, for handshakes. */
function allowRequest<V extends Via>(a: Admission<V>): boolean {
  const allow = a.host.registry.options.allowRequest;
  if (allow === undefined || a.checked.session !== undefined) return NEXT;
  return resume(a, (done) => askAllowRequest(allow, a.req, done));
}

/** The transport's own check of its requests (jsonp's and htmlfile's `j`). */
function transportCheck<V extends Via>(a: Admission<V>): boolean {
  const factory: TransportFactory = a.checked.factory;
  if (factory.via !== "http" || factory.check === undefined) return NEXT;
  const refusal = factory.check(a.req);
  if (refusal === undefined) return NEXT;
  a.refuse(refusal);
  return STOP;
}

/**
 * A handshake's session id, from `generateId` (asynchronous if it returns a Promise); refused
 * while the engine refuses handshakes, or when `generateId` gives nothing usable (not a
 * non-empty string, taken, thrown, rejected).
 */
function sessionId<V extends Via>(a: Admission<V>): boolean {
  if (a.checked.session !== undefined) return NEXT;
  if (a.host.refusingHandshakes) {
    a.refuse(new EngineError("DRAINING", "The server is shutting down"));
    return STOP;
  }
  let id: string | Promise<string>;
  try {
    id = a.host.generateId(a.req);
  } catch {
    return a.takeId(undefined);
  }
  if (typeof id === "string") return a.takeId(id);
  id.then(
    (value) => {
      if (a.takeId(value)) a.next();
    },
    () => a.takeId(undefined),
  );
  return STOP;
}

function dispatch<V extends Via>(a: Admission<V>): boolean {
  a.dispatch();
  return STOP;
}

/**
 * Runs a check that may answer later: goes on with the next stage when it accepts (at once if
 * it answered synchronously), refuses the request when it refuses. Its first answer counts.
 */
function resume<V extends Via>(
  a: Admission<V>,
  check: (done: (refusal: EngineError | undefined, message?: string) => void) => void,
): boolean {
  let sync = true;
  let accepted = false;
  let answered = false;
  check((refusal, message) => {
    if (answered) return;
    answered = true;
    if (refusal !== undefined) a.refuse(refusal, message);
    else if (sync) accepted = true;
    else a.next();
  });
  sync = false;
  return accepted ? NEXT : STOP;
}

/** Admits one HTTP request of the engine. */
export function admitRequest(host: AdmissionHost, req: IncomingMessage, res: ServerResponse) {
  pollingFallback(host.registry, req);
  new HttpAdmission(host, req, res).next();
}

/** Admits one HTTP upgrade of the engine. */
export function admitUpgrade(
  host: AdmissionHost,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): void {
  new UpgradeAdmission(host, req, socket, head).next();
}
