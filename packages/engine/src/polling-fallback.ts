/**
 * The WebSocket fallback in one round trip (a Switchboard extension of the handshake). A proxy
 * that does not pass the `Upgrade` header (nginx without `proxy_set_header Upgrade`, many
 * corporate proxies) turns a client's WebSocket handshake into a plain GET, which Engine.IO
 * refuses with 400; the client then sends a polling handshake: one round trip lost on every
 * connect through such a proxy. A client that can read the answer to its failed WebSocket
 * handshake (the Node client, on `ws`; browsers cannot) marks that handshake with
 * `fallback=polling`; such a plain GET is taken as the polling handshake the client would send
 * next, and answered with its open packet. Unmarked requests (every other client) and sessions'
 * requests are untouched; a server without polling still refuses it.
 */
import type { IncomingMessage } from "node:http";
import { queryOf } from "./http-edge.js";
import type { SessionRegistry } from "./session-registry.js";

/** The query parameter and value that mark a WebSocket handshake that may fall back. */
export const FALLBACK_PARAM = "fallback";
const FALLBACK_VALUE = "polling";

/**
 * Rewrites a marked WebSocket handshake that arrived as a plain GET into the polling handshake
 * (`transport=polling`, the mark removed), so that every stage after sees, and the session
 * keeps, the request of a polling handshake.
 */
export function pollingFallback(registry: SessionRegistry, req: IncomingMessage): void {
  if (req.method !== "GET") return;
  const query = queryOf(req);
  if (query.get(FALLBACK_PARAM) !== FALLBACK_VALUE || query.get("transport") !== "websocket") {
    return;
  }
  if (query.get("sid") !== null || registry.factories.get("polling")?.via !== "http") return;
  const url = req.url ?? "/";
  const at = url.indexOf("?");
  const params = new URLSearchParams(url.slice(at + 1));
  params.set("transport", "polling");
  params.delete(FALLBACK_PARAM);
  req.url = `${url.slice(0, at)}?${params}`;
}
