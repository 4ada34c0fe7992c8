/**
 * Origin policy and CORS. A request that carries `Origin` is refused unless it is same-origin
 * (same scheme and host as the request itself) or `cors.origin` allows it; a request without
 * `Origin` (a non-browser client) passes. Allowed cross-origin requests get CORS headers
 * (https://fetch.spec.whatwg.org/#http-cors-protocol); `*` is never sent with credentials.
 */
import type { IncomingMessage, OutgoingHttpHeaders } from "node:http";
import type { TLSSocket } from "node:tls";

/** A fixed origin rule: everything (`true`, `"*"`), nothing (`false`), one origin, a pattern, or a list. */
export type StaticOrigin = boolean | string | RegExp | readonly (string | RegExp)[];

/** An origin rule decided per request, as the `cors` package's `origin` function. */
export type CustomOrigin = (
  requestOrigin: string | undefined,
  callback: (err: Error | null, origin?: StaticOrigin) => void,
) => void;

/** CORS options, in the shape of the `cors` npm package's options. */
export interface CorsOptions {
  /** Which origins may call. @default "*" (any origin, answered with `*`, or reflected with credentials) */
  origin?: StaticOrigin | CustomOrigin;
  /** Methods announced to preflights. @default ["GET", "POST"] */
  methods?: string | readonly string[];
  /** Request headers announced to preflights. @default the preflight's Access-Control-Request-Headers */
  allowedHeaders?: string | readonly string[];
  /** Response headers scripts may read (Access-Control-Expose-Headers). @default none */
  exposedHeaders?: string | readonly string[];
  /** Send Access-Control-Allow-Credentials: true (the origin is then always reflected). @default false */
  credentials?: boolean;
  /** Access-Control-Max-Age of preflight answers, in seconds. @default none */
  maxAge?: number;
}

/** What the policy decided for one request. */
export interface OriginVerdict {
  /** Whether the request may proceed. */
  readonly allowed: boolean;
  /** The request's Origin header, if any. */
  readonly origin: string | undefined;
  /** CORS headers to put on the response (empty when none apply). */
  readonly headers: OutgoingHttpHeaders;
}

/** The verdict on every request without `Origin`. */
const NO_ORIGIN: OriginVerdict = Object.freeze({
  allowed: true,
  origin: undefined,
  headers: Object.freeze({}),
});

function list(value: string | readonly string[]): string {
  return typeof value === "string" ? value : value.join(",");
}

function matches(rule: StaticOrigin, origin: string): boolean {
  if (typeof rule === "boolean") return rule;
  if (typeof rule === "string") return rule === "*" || rule === origin;
  if (rule instanceof RegExp) {
    rule.lastIndex = 0;
    return rule.test(origin);
  }
  return rule.some((r) => matches(r, origin));
}

/** The scheme the client used: TLS on the socket, else a proxy's X-Forwarded-Proto, else http. */
function requestScheme(req: IncomingMessage): string {
  if ((req.socket as TLSSocket).encrypted) return "https:";
  const forwarded = req.headers["x-forwarded-proto"];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(",")[0]?.trim();
  return first === "https" ? "https:" : "http:";
}

/** True when `origin` names the same scheme and host (with port) as the request itself. */
export function isSameOrigin(origin: string, req: IncomingMessage): boolean {
  const host = req.headers.host;
  if (host === undefined) return false;
  try {
    const o = new URL(origin);
    const scheme = requestScheme(req);
    // http(s) origins for both HTTP requests and WebSocket upgrades (browsers send the page's origin).
    return o.protocol === scheme && o.host === new URL(`${scheme}//${host}`).host;
  } catch {
    return false;
  }
}

function corsHeaders(
  cors: CorsOptions,
  rule: StaticOrigin,
  origin: string,
  req: IncomingMessage,
  preflight: boolean,
): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = { Vary: "Origin" };
  if (!matches(rule, origin)) return headers;
  const credentials = cors.credentials === true;
  headers["Access-Control-Allow-Origin"] = rule === "*" && !credentials ? "*" : origin;
  if (credentials) headers["Access-Control-Allow-Credentials"] = "true";
  if (!preflight) {
    if (cors.exposedHeaders !== undefined && list(cors.exposedHeaders) !== "") {
      headers["Access-Control-Expose-Headers"] = list(cors.exposedHeaders);
    }
    return headers;
  }
  headers["Access-Control-Allow-Methods"] = list(cors.methods ?? ["GET", "POST"]);
  if (cors.allowedHeaders !== undefined) {
    headers["Access-Control-Allow-Headers"] = list(cors.allowedHeaders);
  } else {
    const asked = req.headers["access-control-request-headers"];
    if (asked !== undefined) {
      headers["Access-Control-Allow-Headers"] = asked;
      headers.Vary = "Origin, Access-Control-Request-Headers";
    }
  }
  if (cors.maxAge !== undefined) headers["Access-Control-Max-Age"] = String(cors.maxAge);
  return headers;
}

/** True for a CORS preflight: OPTIONS with Origin and Access-Control-Request-Method. */
export function isPreflight(req: IncomingMessage): boolean {
  return (
    req.method === "OPTIONS" &&
    req.headers.origin !== undefined &&
    req.headers["access-control-request-method"] !== undefined
  );
}

/**
 * Applies the origin policy to a request (HTTP or WebSocket upgrade). `cors` undefined means
 * same-origin only. Calls back once, synchronously unless `cors.origin` is a function.
 */
export function checkOrigin(
  req: IncomingMessage,
  cors: CorsOptions | undefined,
  callback: (verdict: OriginVerdict) => void,
): void {
  const origin = req.headers.origin;
  const preflight = isPreflight(req);
  if (origin === undefined && (cors === undefined || typeof cors.origin !== "function")) {
    // No Origin (a non-browser client, a script or iframe GET) and a static rule: allowed, no
    // CORS headers; one shared verdict (this is every poll of most deployments).
    callback(NO_ORIGIN);
    return;
  }
  resolveRule(cors, origin, (rule) => {
    if (origin === undefined) {
      callback(NO_ORIGIN);
      return;
    }
    // Vary: Origin even without CORS: the answer (200 or 403) depends on the Origin.
    const headers =
      cors === undefined ? { Vary: "Origin" } : corsHeaders(cors, rule, origin, req, preflight);
    callback({ allowed: isSameOrigin(origin, req) || matches(rule, origin), origin, headers });
  });
}

/**
 * Applies the origin policy to an origin named by the request rather than sent in its `Origin`
 * header (htmlfile's embedding page): allowed when same-origin with the request or when
 * `cors.origin` allows it. Calls back once.
 */
export function isOriginAllowed(
  origin: string,
  req: IncomingMessage,
  cors: CorsOptions | undefined,
  callback: (allowed: boolean) => void,
): void {
  resolveRule(cors, origin, (rule) => callback(isSameOrigin(origin, req) || matches(rule, origin)));
}

/** The static rule for `origin`: `false` without CORS; a function rule is asked (once). */
function resolveRule(
  cors: CorsOptions | undefined,
  origin: string | undefined,
  decide: (rule: StaticOrigin) => void,
): void {
  const rule = cors === undefined ? false : (cors.origin ?? "*");
  if (typeof rule !== "function") {
    decide(rule);
    return;
  }
  let answered = false;
  try {
    rule(origin, (err, value) => {
      if (answered) return;
      answered = true;
      decide(err ? false : (value ?? false));
    });
  } catch (err) {
    // A throw from `decide` (the engine's own code, run by a synchronous rule) is not the
    // rule refusing: swallowing it would leave the request unanswered.
    if (answered) throw err;
    answered = true;
    decide(false);
  }
}
