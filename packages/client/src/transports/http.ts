/**
 * What the HTTP-based transports share on every platform: the cache-buster. The requests
 * themselves are the platform's (`#http`: http.browser.ts on XMLHttpRequest, http.node.ts on node:http).
 */
import type { TransportContext } from "../core/transport.js";

let counter = 0;

/** Extra query parameters of one request: the cache-buster when enabled. */
export function stamp(ctx: TransportContext): Record<string, string> {
  return ctx.timestampRequests
    ? { [ctx.timestampParam]: `${Date.now().toString(36)}${(counter++).toString(36)}` }
    : {};
}
