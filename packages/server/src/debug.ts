/**
 * Diagnostics, one convention for the server-side packages: each layer has one
 * `node:diagnostics_channel` channel, `switchboard:<layer>` ("engine", "server", "cluster"),
 * carrying `{ event, ...details }` objects, published only while someone subscribes; the same
 * events print as text with `NODE_DEBUG=switchboard-<layer>` (`NODE_DEBUG=switchboard-*` for all).
 */
import { channel } from "node:diagnostics_channel";
import { debuglog } from "node:util";

/** Reports one event of a layer; `active` says whether anyone listens (to skip building it). */
export interface Trace {
  (event: string, details?: Record<string, unknown>): void;
  readonly active: boolean;
}

/** Text for a detail: primitives as they are, errors by message; objects are left to subscribers. */
function describe(details: Record<string, unknown>): string {
  let out = "";
  for (const [key, value] of Object.entries(details)) {
    if (value instanceof Error) out += ` ${key}=${JSON.stringify(value.message)}`;
    else if (value === null || typeof value !== "object") {
      out += ` ${key}=${typeof value === "string" ? JSON.stringify(value) : String(value)}`;
    }
  }
  return out;
}

/** The trace of one layer: channel `switchboard:<layer>`, text with `NODE_DEBUG=switchboard-<layer>`. */
export function tracer(layer: string): Trace {
  const events = channel(`switchboard:${layer}`);
  const log = debuglog(`switchboard-${layer}`);
  const trace = (event: string, details: Record<string, unknown> = {}): void => {
    if (events.hasSubscribers) events.publish({ event, ...details });
    if (log.enabled) log("%s%s", event, describe(details));
  };
  return Object.defineProperty(trace, "active", {
    get: () => events.hasSubscribers || log.enabled,
  }) as Trace;
}

/**
 * The server's events: "connect" (`nsp`, `id`, `recovered`), "disconnect" (`nsp`, `id`,
 * `reason`), "parse error" (`sessionId`, `error`), "connect refused", "connect timeout",
 * "connection closing", "middleware refused", "restore failed", "namespace created",
 * "namespace removed", "adapter error", "unknown ack", "too many pending acks", ...
 */
export const trace = tracer("server");

/**
 * Every `ClusterAdapter`'s events, each with `adapter`: "publish" and "receive" (`type`: the
 * message type), "request-timeout" (`what`: the request that did not get every response within
 * `requestsTimeout`), "node gone" (`uid`), "bus down" (`error`), "bus back".
 */
export const traceCluster = tracer("cluster");
