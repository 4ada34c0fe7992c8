/**
 * Issue 6: which cookies travel cross-site, per transport. The user has a cookie for the
 * server's site (`localhost:B`, set first-party by a real `Set-Cookie`, SameSite=None; Secure,
 * third-party cookies allowed in the browser) and a page of `127.0.0.1:A` (allowed by `cors`)
 * connects with `withCredentials` on or off, to a server whose `cors.credentials` is on or off.
 * Asserted per case: whether the socket connects, the cookie in `socket.handshake.headers`, and
 * which requests carried it to the HTTP server and to the engine's middlewares.
 *
 * What Chromium sends (the fetch spec's credentials modes), and what the engine then lets
 * through to the application (`socket.handshake.headers`), which these tests pin:
 * - polling and sse (fetch / EventSource): cookies only with `withCredentials`; a credentialed
 *   response without `Access-Control-Allow-Credentials` is refused by the browser, so with
 *   `cors.credentials` off the handshake GET still carries the cookie to the server but the
 *   client gets connect_error and no socket exists.
 * - websocket: a WebSocket handshake is always credentialed (the API has no credentials mode),
 *   so the cookie reaches the HTTP server and the engine's middlewares whatever either option
 *   says; the engine removes it from a cross-origin session's handshake unless
 *   `cors.credentials` is on, so there only `cors.credentials` decides.
 * - jsonp and htmlfile: the <script>/<iframe> GET (the handshake) is always credentialed; their
 *   no-cors POSTs carry the cookie exactly when `withCredentials` is on. The engine keeps the
 *   cookie for the socket only when `cors.credentials` is on and the proving POST carried it.
 * So for every transport but websocket the cookie reaches the socket exactly when the client
 * uses `withCredentials` and the server has `cors.credentials`.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  type Chromium,
  COOKIE,
  launchChromium,
  openPage,
  type PageOrigin,
  type PageSocket,
  type SwitchboardSite,
  startPageOrigin,
  startSwitchboard,
  TRANSPORTS,
  type TransportName,
} from "./cross-origin-harness.ts";

declare const io: (url: string, options?: Record<string, unknown>) => PageSocket;

const cookie = `${COOKIE.name}=${COOKIE.value}`;

/** What a case should show. */
interface Expected {
  connected: boolean;
  /** The cookie header of the socket's handshake (null: none), when connected. */
  handshakeCookie: string | null;
  /** Layers and methods at which a request carried the cookie. */
  seen: string[];
}

const onSocket = ["connection", "event", "middleware"];

function expected(t: TransportName, withCredentials: boolean, corsCredentials: boolean): Expected {
  switch (t) {
    case "websocket":
      // The browser always sends the cookie on a WebSocket handshake (withCredentials cannot
      // stop it), so it reaches the HTTP server and the engine's middlewares either way; the
      // engine hands it to the application only with cors.credentials.
      return corsCredentials
        ? {
            connected: true,
            handshakeCookie: cookie,
            seen: ["engine:GET", "http:UPGRADE", ...onSocket],
          }
        : { connected: true, handshakeCookie: null, seen: ["engine:GET", "http:UPGRADE"] };
    case "polling":
    case "sse":
      if (!withCredentials) return { connected: true, handshakeCookie: null, seen: [] };
      if (!corsCredentials)
        return { connected: false, handshakeCookie: null, seen: ["engine:GET", "http:GET"] };
      return {
        connected: true,
        handshakeCookie: cookie,
        seen: ["engine:GET", "engine:POST", "http:GET", "http:POST", ...onSocket],
      };
    case "jsonp":
    case "htmlfile":
      // The script/iframe GET always carries the cookie; the engine keeps it for the
      // application only when cors.credentials is on and the proving POST carried it too.
      if (!withCredentials)
        return { connected: true, handshakeCookie: null, seen: ["engine:GET", "http:GET"] };
      if (!corsCredentials)
        return {
          connected: true,
          handshakeCookie: null,
          seen: ["engine:GET", "engine:POST", "http:GET", "http:POST"],
        };
      return {
        connected: true,
        handshakeCookie: cookie,
        seen: ["engine:GET", "engine:POST", "http:GET", "http:POST", ...onSocket],
      };
  }
}

describe("cross-origin cookies, per transport", { timeout: 60_000 }, () => {
  let pageOrigin: PageOrigin;
  const sites = new Map<boolean, SwitchboardSite>();
  let chrome: Chromium;
  before(async () => {
    pageOrigin = await startPageOrigin();
    for (const credentials of [true, false]) {
      sites.set(
        credentials,
        await startSwitchboard({ cors: { origin: pageOrigin.origin, credentials } }),
      );
    }
    chrome = await launchChromium();
  });
  after(async () => {
    await chrome?.close();
    for (const site of sites.values()) await site.close();
    await pageOrigin?.close();
  });

  for (const t of TRANSPORTS) {
    for (const corsCredentials of [true, false]) {
      for (const withCredentials of [true, false]) {
        const want = expected(t, withCredentials, corsCredentials);
        const label = `${t}: withCredentials ${withCredentials}, cors.credentials ${corsCredentials}`;
        test(`${label}: ${want.connected ? "connects" : "connect_error"}, cookie on the socket: ${want.handshakeCookie !== null}`, async () => {
          const site = sites.get(corsCredentials)!;
          const page = await openPage(chrome.browser, pageOrigin.origin, site);
          site.sightings.length = 0;
          try {
            const result = await page.evaluate(
              async ({ url, t, withCredentials }) => {
                const socket = io(url, {
                  forceNew: true,
                  reconnection: false,
                  transports: [t],
                  upgrade: false,
                  withCredentials,
                  timeout: 10_000,
                });
                const connected = await new Promise<boolean>((resolve) => {
                  socket.on("connect", () => resolve(true));
                  socket.on("connect_error", () => resolve(false));
                });
                let handshakeCookie: string | null = null;
                if (connected) {
                  const echoed = (await socket.emitWithAck("echo")) as { cookie: string | null };
                  handshakeCookie = echoed.cookie;
                }
                socket.disconnect();
                return { connected, handshakeCookie };
              },
              { url: site.url, t, withCredentials },
            );
            const seen = [
              ...new Set(
                site.sightings.map((s) =>
                  s.layer === "http" || s.layer === "engine" ? `${s.layer}:${s.method}` : s.layer,
                ),
              ),
            ].sort();
            assert.deepEqual({ ...result, seen }, { ...want, seen: [...want.seen].sort() });
            for (const s of site.sightings) assert.equal(s.transport, t);
          } finally {
            await page.context().close();
          }
        });
      }
    }
  }
});
