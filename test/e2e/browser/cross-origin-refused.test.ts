/**
 * Issue 6: a page whose origin `cors` does not allow gets no working session on any transport,
 * and nothing it sends acts with the user's cookies (the CSRF case). The user has a cookie for
 * the server's site (SameSite=None; Secure, third-party cookies allowed in the browser, so the
 * browser sends it wherever it can); the server allows only another origin, with credentials.
 * On the server, every request and step that carried the cookie is recorded at each layer
 * (raw HTTP, engine middleware after the origin policy, `io.use`, `connection`, event handler).
 *
 * Per transport, with the project's own client (`withCredentials: true`):
 * - websocket, polling, sse: the origin policy refuses the handshake (the cookie reaches the
 *   HTTP server, nothing further); the client reports connect_error.
 * - jsonp: the <script> GET carries no Origin, so its handshake passes and the session is held;
 *   the CONNECT POST carries the page's Origin, is refused, and the session is closed; the
 *   client reports connect_error (the connection closed before the namespace connected).
 * - htmlfile: the <iframe> GET carries no Origin; its `o` (the page's origin) is refused (403)
 *   with the origin policy, before any engine middleware;
 *   the client reports connect_error.
 * Then the same page without the client, as an attacker would: it reads the sid of a jsonp
 * handshake through `___sb`, sends CONNECT and an event in credentialed no-cors POSTs and tries
 * a WebSocket upgrade of that sid; and it opens polling and sse handshakes with Origin-less
 * requests (an <img>); still no connection and no event.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { ServerOptions } from "@switchboard/server";
import {
  type Chromium,
  type CookieSighting,
  launchChromium,
  openPage,
  type PageOrigin,
  type PageSocket,
  type SwitchboardSite,
  startPageOrigin,
  startSwitchboard,
  TRANSPORTS,
} from "./cross-origin-harness.ts";

declare const io: (url: string, options?: Record<string, unknown>) => PageSocket;

/** Steps that only a working session reaches: none may carry the cookie, ever. */
const sessionLayers: CookieSighting["layer"][] = ["middleware", "connection", "event"];

function assertNothingActed(site: SwitchboardSite, leftSessions: string[] = []): void {
  assert.deepEqual(site.connections, [], "the server never emitted connection");
  assert.deepEqual(site.events, [], "no application event handler ran");
  assert.deepEqual(
    site.sightings.filter((s) => sessionLayers.includes(s.layer)),
    [],
    "no session step carried the cookie",
  );
  const left = [...site.io.engine.sessions.values()];
  assert.deepEqual(
    left.map((session) => session.transport.name).sort(),
    leftSessions,
    "engine sessions left",
  );
  for (const session of left) assert.equal(session.request.headers.origin, undefined);
}

/**
 * What connect_error says on each transport. A refused HTTP request's status is readable (the
 * server lets the refused page read it); a WebSocket's, an EventSource's and an iframe's never
 * are, so those say it may be the origin; jsonp's session opens (its script GET carries no
 * Origin) and ends when its CONNECT POST (no-cors: no status either) is refused.
 */
const maybe =
  "connect_error SB_ERR_TRANSPORTS_EXHAUSTED no transport could connect (origin refused by the server?)";
const refused = "connect_error SB_ERR_ORIGIN_REFUSED origin refused by the server (cors.origin)";
const expectedRefusal: Record<string, string> = {
  websocket: maybe,
  polling: refused,
  sse: maybe,
  jsonp: "connect_error SB_ERR_CONNECTION_CLOSED transport error",
  htmlfile: maybe,
};

/** Server configurations that do not allow the page: the default, and another origin. */
const configs: [string, Partial<ServerOptions>][] = [
  ["no cors option (same-origin only)", {}],
  [
    "cors allows another origin, with credentials",
    {
      cors: { origin: "http://app.example", credentials: true },
    },
  ],
];

describe("cross-origin, page origin not allowed", { timeout: 60_000 }, () => {
  let pageOrigin: PageOrigin;
  let chrome: Chromium;
  before(async () => {
    pageOrigin = await startPageOrigin();
    chrome = await launchChromium();
  });
  after(async () => {
    await chrome?.close();
    await pageOrigin?.close();
  });

  for (const [label, options] of configs) {
    describe(label, () => {
      let site: SwitchboardSite;
      before(async () => {
        site = await startSwitchboard(options);
      });
      after(async () => {
        await site?.close();
      });

      for (const t of TRANSPORTS) {
        test(`${t}: no session, nothing acts with the cookie`, async () => {
          const page = await openPage(chrome.browser, pageOrigin.origin, site);
          site.sightings.length = 0;
          try {
            const outcome = await page.evaluate(
              async ({ url, t }) => {
                const socket = io(url, {
                  forceNew: true,
                  reconnection: false,
                  transports: [t],
                  upgrade: false,
                  withCredentials: true,
                  timeout: 8000,
                });
                const result = await new Promise<string>((resolve) => {
                  socket.on("connect", () => resolve("connect"));
                  socket.on("connect_error", (err: Error & { code?: string }) =>
                    resolve(`connect_error ${err.code} ${err.message}`),
                  );
                  // Should connect_error not come, the connection's end is the last thing to see.
                  socket.io.on("close", () => resolve("closed without connect_error"));
                  setTimeout(() => resolve("nothing within 10 s"), 10_000);
                });
                socket.disconnect();
                return result;
              },
              { url: site.url, t },
            );
            // The page hears why: its origin was refused (the status of a refused HTTP request is
            // readable; a WebSocket's and an iframe's never are, so those say it may be that).
            assert.equal(outcome, expectedRefusal[t]);
            assertNothingActed(site);
            // The browser sent the cookie with every request it could: proof that it had one.
            assert.ok(site.sightings.some((s) => s.layer === "http" && s.transport === t));
            const engineSteps = site.sightings.filter((s) => s.layer === "engine");
            if (t === "jsonp") {
              // Its handshake GET (<script>) carries no Origin, so it passes the origin policy and
              // reaches engine middlewares (`io.engine.use`) with the cookie: inherent to jsonp
              // (its polls are such GETs too). No POST of the page gets that far. (htmlfile's
              // iframe GET names the page in `o`, which the engine refuses before any middleware.)
              assert.ok(engineSteps.length > 0);
              for (const s of engineSteps)
                assert.deepEqual([s.method, s.origin], ["GET", undefined]);
            } else {
              assert.deepEqual(
                engineSteps,
                [],
                "refused by the origin policy before any middleware",
              );
            }
          } finally {
            await page.context().close();
          }
        });
      }

      test("the default ladder: connect_error says the origin was refused, and stops there", async () => {
        const page = await openPage(chrome.browser, pageOrigin.origin, site);
        try {
          const outcome = await page.evaluate(async (url) => {
            const socket = io(url, { forceNew: true, reconnection: false, withCredentials: true });
            const result = await new Promise<string>((resolve) => {
              socket.on("connect", () => resolve("connect"));
              socket.on("connect_error", (err: Error & { code?: string; description?: unknown }) =>
                resolve(`connect_error ${err.code} ${err.message} ${String(err.description)}`),
              );
              setTimeout(() => resolve("nothing within 10 s"), 10_000);
            });
            socket.disconnect();
            return result;
          }, site.url);
          assert.equal(outcome, `${refused} 403`);
          assertNothingActed(site);
        } finally {
          await page.context().close();
        }
      });

      test("a hand-made attack: jsonp sid stolen, CONNECT and event POSTed with cookies, WebSocket upgrade of the sid, Origin-less polling and sse handshakes", async () => {
        const page = await openPage(chrome.browser, pageOrigin.origin, site);
        site.sightings.length = 0;
        try {
          const report = await page.evaluate(async (url) => {
            const base = `${url}/socket.io/?EIO=4`;
            // 1. jsonp handshake through a <script>, with our own ___sb to read the answer.
            const payload = await new Promise<string>((resolve, reject) => {
              (globalThis as { ___sb?: unknown }).___sb = [(p: string) => resolve(p)];
              const script = document.createElement("script");
              script.src = `${base}&transport=jsonp&j=0`;
              script.onerror = () => reject(new Error("jsonp handshake failed"));
              document.body.appendChild(script);
            });
            const sid = (JSON.parse(payload.slice(1)) as { sid: string }).sid;
            // 2. A WebSocket upgrade of the stolen sid (it carries the page's Origin and cookie).
            const ws = await new Promise<string>((resolve) => {
              const socket = new WebSocket(
                `${base.replace("http:", "ws:")}&transport=websocket&sid=${sid}`,
              );
              socket.onopen = () => {
                socket.send("2probe");
                socket.onmessage = (e) => resolve(`open, got ${e.data}`);
              };
              socket.onerror = () => resolve("refused");
            });
            // 3. CONNECT, then an event, in credentialed no-cors POSTs.
            const posts: string[] = [];
            for (const body of ["40", '42["echo","csrf"]']) {
              posts.push(
                await fetch(`${base}&transport=jsonp&sid=${sid}`, {
                  method: "POST",
                  mode: "no-cors",
                  credentials: "include",
                  body,
                }).then(
                  () => "sent",
                  () => "failed",
                ),
              );
            }
            // 4. Origin-less handshakes of polling and sse (an <img> GET is no-cors, no Origin).
            const images = await Promise.all(
              ["polling", "sse"].map(
                (transport) =>
                  new Promise<string>((resolve) => {
                    const img = new Image();
                    img.onload = img.onerror = () => resolve(transport);
                    img.src = `${base}&transport=${transport}`;
                  }),
              ),
            );
            return { sid: sid.length > 0, ws, posts, images };
          }, site.url);
          assert.deepEqual(report, {
            sid: true,
            ws: "refused",
            posts: ["sent", "sent"], // opaque: the page cannot tell, the server refused them
            images: ["polling", "sse"],
          });
          // The <img> polling handshake opened an engine session for nobody (it times out; no
          // socket exists on it); the sse one may still stream to the discarded <img> or be gone.
          const left = [...site.io.engine.sessions.values()].map((x) => x.transport.name);
          assertNothingActed(site, left.includes("sse") ? ["polling", "sse"] : ["polling"]);
          for (const session of site.io.engine.sessions.values()) session.close();
          const byLayer = (layer: CookieSighting["layer"]) =>
            site.sightings
              .filter((s) => s.layer === layer)
              .map((s) => `${s.method} ${s.transport}`)
              .sort();
          // Every request carried the cookie to the HTTP server ...
          assert.deepEqual(byLayer("http"), [
            "GET jsonp",
            "GET polling",
            "GET sse",
            "POST jsonp",
            "POST jsonp",
            "UPGRADE websocket",
          ]);
          // ... and only the Origin-less GETs got past the origin policy: handshakes whose sessions
          // never deliver a message (the jsonp one is closed by the refused POST; polling and sse
          // ones are opened for nobody and time out).
          assert.deepEqual(byLayer("engine"), ["GET jsonp", "GET polling", "GET sse"]);
        } finally {
          await page.context().close();
        }
      });
    });
  }
});
