/**
 * Which cookies the application sees. Browsers send cookies on every WebSocket handshake and on
 * every script or iframe GET, whatever the page asked for, so a cookie on a cross-origin
 * session's handshake does not mean that the page (or the server's `cors.credentials`) wanted
 * credentials. The engine removes `cookie` from the handshake request of a cross-origin session
 * (`session.request`, which the application reads) unless `cors.credentials` is on; for a
 * session proven by a later POST (jsonp, htmlfile), also unless that POST carried a cookie too
 * (the page asked `withCredentials`). Same-origin sessions and non-browser clients (no `Origin`)
 * keep their cookies.
 */
import type { IncomingMessage } from "node:http";
import { isSameOrigin } from "./cors.js";

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

/** Removes the `cookie` header from `req` (`headers`, `headersDistinct` and `rawHeaders`). */
export function withholdCookie(req: IncomingMessage): void {
  const raw: string[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    if (name.toLowerCase() !== "cookie") raw.push(name, req.rawHeaders[i + 1]!);
  }
  // Node computes (and caches) the two objects from rawHeaders on first use: before replacing it.
  delete req.headers.cookie;
  delete req.headersDistinct.cookie;
  req.rawHeaders = raw;
}
