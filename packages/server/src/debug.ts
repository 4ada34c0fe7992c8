/**
 * Debug output without code edits: `NODE_DEBUG=switchboard-server` prints the server's decisions
 * (namespace connects, parse errors, closes), and the diagnostics channels below carry the same
 * events as objects for tools that subscribe.
 */
import { channel } from "node:diagnostics_channel";
import { debuglog } from "node:util";

/** Logger for the server package: printf-style, active when NODE_DEBUG names "switchboard-server". */
export const debug = debuglog("switchboard-server");

/** Published when a socket connects to a namespace: `{ nsp, id, recovered }`. */
export const connectChannel = channel("switchboard:server:connect");
/** Published when a socket disconnects: `{ nsp, id, reason }`. */
export const disconnectChannel = channel("switchboard:server:disconnect");
/** Published when a connection is closed for a malformed packet: `{ sessionId, error }`. */
export const parseErrorChannel = channel("switchboard:server:parse-error");
/**
 * Published by every `ClusterAdapter` when someone subscribes: `{ adapter, event, ... }`
 * with `event` "publish" (`type`: the message type), "receive" (`type`) or "request-timeout"
 * (`what`: the request that did not get every response within `requestsTimeout`).
 */
export const clusterChannel = channel("switchboard:cluster");
