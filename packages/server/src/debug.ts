/**
 * The server's diagnostics, on the convention of every package (see `tracer` in
 * @switchboard/engine): channels `switchboard:server` and `switchboard:cluster` carrying
 * `{ event, ... }`, printed as text when `DEBUG` names them.
 */
import { type Trace, tracer } from "@switchboard/engine";

export { type Trace, tracer };

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
