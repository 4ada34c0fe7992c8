/**
 * Which cookies the application sees. Browsers send cookies on every WebSocket handshake and on
 * every script or iframe GET, whatever the page asked for, so a cookie on a cross-origin
 * session's handshake does not mean that the page (or the server's `cors.credentials`) wanted
 * credentials. The engine removes `cookie` from the handshake request of a cross-origin session
 * (`session.request.headers`, which the application reads) unless `cors.credentials` is on; for a
 * session proven by a later POST (jsonp, htmlfile), also unless that POST carried a cookie too
 * (the page asked `withCredentials`). Same-origin sessions and non-browser clients (no `Origin`)
 * keep their cookies.
 */
import type { IncomingMessage } from "node:http";
import { isSameOrigin } from "./cors.js";
import type { HandshakeRequest } from "./handshake-request.js";

/** How a session's origin was shown: its handshake, or a later POST or upgrade (held sessions). */
export type CredentialProof = "handshake" | "post" | "upgrade";

/**
 * Whether the session whose origin `req` shows (the handshake, or the request that proved a held
 * session) may keep the cookie of its handshake request.
 */
export function keepsCookie(
  req: IncomingMessage,
  proof: CredentialProof,
  corsCredentials: boolean,
): boolean {
  const origin = req.headers.origin;
  if (origin === undefined || isSameOrigin(origin, req)) return true;
  if (!corsCredentials) return false;
  // A no-cors POST carries cookies only when the page asked withCredentials.
  return proof !== "post" || req.headers.cookie !== undefined;
}

/**
 * Removes the `cookie` header from what a session kept of its handshake request: its headers
 * object, and for a kept `IncomingMessage` also `headersDistinct` and `rawHeaders`.
 */
export function withholdCookie(request: HandshakeRequest | IncomingMessage): void {
  delete request.headers.cookie;
  if (!("rawHeaders" in request)) return;
  const raw: string[] = [];
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i]!;
    if (name.toLowerCase() !== "cookie") raw.push(name, request.rawHeaders[i + 1]!);
  }
  // Node computes (and caches) headersDistinct from rawHeaders on first use: before replacing it.
  delete request.headersDistinct.cookie;
  request.rawHeaders = raw;
}
