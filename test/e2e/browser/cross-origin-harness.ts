import { once } from "node:events";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import {
  createServer,
  type Server as HttpServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Server, type ServerOptions } from "@switchboard/server";
import { type Browser, chromium, type LaunchOptions, type Page } from "playwright-core";
import { loadBundle } from "../../../packages/client/test/browser/harness.ts";

/** Every transport, in the order the suites try them. */
export const TRANSPORTS = ["websocket", "polling", "sse", "jsonp", "htmlfile"] as const;
/** A transport name. */
export type TransportName = (typeof TRANSPORTS)[number];

/**
 * The connection cases of the allowed and same-origin suites: each transport forced alone, then
 * the default ladder (which ends on websocket), as [label, `transports` option, transport].
 */
export const CONNECTION_CASES: readonly [
  string,
  readonly TransportName[] | undefined,
  TransportName,
][] = [
  ...TRANSPORTS.map((t): [string, readonly TransportName[], TransportName] => [t, [t], t]),
  ["default ladder (upgrade on)", undefined, "websocket"],
];

/** Name and value of the user's cookie that the Switchboard server sets for its own site. */
export const COOKIE = { name: "sbuser", value: "u42" } as const;

const pageHtml =
  '<!doctype html><meta charset="utf-8"><title>xo</title><script src="/switchboard.min.js"></script><body></body>';

/** Answers `/` (the page) and `/switchboard.min.js`; false for anything else. */
function servePage(req: IncomingMessage, res: ServerResponse): boolean {
  const path = (req.url ?? "").split("?")[0];
  if (path === "/switchboard.min.js") {
    res.writeHead(200, { "content-type": "application/javascript" }).end(loadBundle());
    return true;
  }
  if (path === "/") {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(pageHtml);
    return true;
  }
  return false;
}

/** Listens on 127.0.0.1, port 0; resolves to the port. */
async function listen(http: HttpServer): Promise<number> {
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  return (http.address() as AddressInfo).port;
}

/** The static page's origin server. */
export interface PageOrigin {
  /** `http://127.0.0.1:A`, the page's origin. */
  origin: string;
  close(): Promise<void>;
}

/** Starts the static server of the page's origin. */
export async function startPageOrigin(): Promise<PageOrigin> {
  const http = createServer((req, res) => {
    if (!servePage(req, res)) res.writeHead(404).end();
  });
  const port = await listen(http);
  return {
    origin: `http://127.0.0.1:${port}`,
    close: async () => {
      http.closeAllConnections();
      http.close();
      await once(http, "close");
    },
  };
}

/** One request or step on the server that carried the user's cookie. */
export interface CookieSighting {
  /**
   * Where it was seen: the raw HTTP server (before the engine), an engine middleware
   * (`io.engine.use`, after the origin policy), a server middleware (`io.use`), the
   * `connection` handler or an event handler.
   */
  layer: "http" | "engine" | "middleware" | "connection" | "event";
  /** The request's `transport` query parameter, or the session's transport. */
  transport: string;
  /** HTTP method (`UPGRADE` for an upgrade), the event name, or "-". */
  method: string;
  /** The request's (or handshake's) `Origin` header. */
  origin: string | undefined;
}

/** The Switchboard server on `http://localhost:B` and what it saw. */
export interface SwitchboardSite {
  io: Server;
  http: HttpServer;
  /** `http://localhost:B`. */
  url: string;
  port: number;
  /** Every step that carried the cookie (see {@link CookieSighting}). */
  sightings: CookieSighting[];
  /** Transports of every `connection` (with or without the cookie). */
  connections: string[];
  /** Events that reached an application handler. */
  events: string[];
  close(): Promise<void>;
}

function hasCookie(header: string | undefined): boolean {
  return (header ?? "").split(/;\s*/).includes(`${COOKIE.name}=${COOKIE.value}`);
}

function transportOf(url: string | undefined): string {
  return new URL(url ?? "/", "http://x").searchParams.get("transport") ?? "-";
}

/**
 * Starts a Switchboard server with `options` on its own HTTP server, which also answers
 * `/set-cookie` (sets {@link COOKIE} for its own site: SameSite=None; Secure, which
 * Chromium accepts from http://localhost) and, when `servePageToo`, the page and the bundle (the same-origin case).
 * Application handlers: `echo` acks `{ args, transport, cookie }` (its arguments, the server
 * side's transport, the handshake's cookie header or null); `ping` answers with a `pong` event.
 */
export async function startSwitchboard(
  options: Partial<ServerOptions>,
  servePageToo = false,
): Promise<SwitchboardSite> {
  const sightings: CookieSighting[] = [];
  const connections: string[] = [];
  const events: string[] = [];
  const http = createServer();
  http.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "").split("?")[0];
    if (path === "/set-cookie") {
      // SameSite=None needs Secure, which Chromium accepts from http://localhost (a
      // potentially trustworthy origin); a Lax cookie (Chromium's default) would never be
      // sent cross-site by any transport, which would prove nothing.
      res
        .writeHead(200, {
          "content-type": "text/plain",
          "set-cookie": `${COOKIE.name}=${COOKIE.value}; Path=/; SameSite=None; Secure`,
        })
        .end("cookie set");
    } else if (!path?.startsWith("/socket.io/") && !(servePageToo && servePage(req, res))) {
      res.writeHead(404).end();
    }
  });
  const io = new Server(http, options);
  /** Records a step at `layer` when `headers` (a request's or a handshake's) carry the cookie. */
  const sight = (
    layer: CookieSighting["layer"],
    transport: string,
    method: string,
    headers: IncomingHttpHeaders,
  ): void => {
    if (hasCookie(headers.cookie))
      sightings.push({ layer, transport, method, origin: headers.origin });
  };
  // Prepended after the engine attached (it takes over the listeners there were), so that
  // these see every request and upgrade before the engine does.
  http.prependListener("request", (req: IncomingMessage) => {
    if (req.url?.startsWith("/socket.io/")) {
      sight("http", transportOf(req.url), req.method ?? "", req.headers);
    }
  });
  http.prependListener("upgrade", (req: IncomingMessage) => {
    sight("http", transportOf(req.url), "UPGRADE", req.headers);
  });
  io.engine.use((req: IncomingMessage, _res: ServerResponse, next: (err?: unknown) => void) => {
    sight("engine", transportOf(req.url), req.method ?? "", req.headers);
    next();
  });
  io.use((socket, next) => {
    sight("middleware", socket.conn.transport.name, "-", socket.handshake.headers);
    next();
  });
  io.on("connection", (socket) => {
    connections.push(socket.conn.transport.name);
    const { headers } = socket.handshake;
    sight("connection", socket.conn.transport.name, "-", headers);
    socket.onAny((event: string) => {
      events.push(event);
      sight("event", socket.conn.transport.name, event, headers);
    });
    socket.on("echo", (...args: unknown[]) => {
      const ack = args.pop();
      if (typeof ack === "function") {
        ack({ args, transport: socket.conn.transport.name, cookie: headers.cookie ?? null });
      }
    });
    socket.on("ping", (data: unknown) => socket.emit("pong", data, new Uint8Array([9, 8, 7])));
  });
  const port = await listen(http);
  return {
    io,
    http,
    port,
    url: `http://localhost:${port}`,
    sightings,
    connections,
    events,
    close: async () => {
      const closed = io.close();
      http.closeAllConnections();
      await closed;
    },
  };
}

/** How every suite here launches Debian's Chromium: headless, no sandbox, no GPU. */
export const CHROMIUM_LAUNCH: LaunchOptions = {
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
};

/** Debian's Chromium, headless, and how to close it (and its profile). */
export interface Chromium {
  browser: Browser;
  close(): Promise<void>;
}

/**
 * Launches Debian's Chromium, headless, on a temporary profile that allows third-party cookies.
 * By default this Chromium blocks them (CDP reports `blockedReasons: ["UserPreferences"]` for a
 * SameSite=None cookie on a cross-site fetch), which would make every "no cookie arrives"
 * assertion hold for the browser's reasons rather than Switchboard's; a user may well have them
 * on, so the suites run in the setting most favourable to an attacker. Contexts made with
 * `browser.newContext()` inherit the setting.
 */
export async function launchChromium(): Promise<Chromium> {
  const dir = mkdtempSync(join(tmpdir(), "sb-xo-profile-"));
  mkdirSync(join(dir, "Default"));
  writeFileSync(
    join(dir, "Default", "Preferences"),
    JSON.stringify({ profile: { cookie_controls_mode: 0, block_third_party_cookies: false } }),
  );
  const persistent = await chromium.launchPersistentContext(dir, CHROMIUM_LAUNCH);
  const browser = persistent.browser();
  if (!browser) throw new Error("no Browser behind the persistent context");
  return {
    browser,
    close: async () => {
      await persistent.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A fresh context with the user's cookie for `site` set by a real `Set-Cookie` (a first-party
 * top-level visit to `/set-cookie`), then a page of `pageUrl` open in it.
 */
export async function openPage(
  browser: Browser,
  pageUrl: string,
  site?: SwitchboardSite,
): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  if (site) {
    await page.goto(`${site.url}/set-cookie`);
    const cookies = await context.cookies(site.url);
    if (!cookies.some((c) => c.name === COOKIE.name)) {
      throw new Error(`Chromium refused the test cookie: ${JSON.stringify(cookies)}`);
    }
  }
  await page.goto(`${pageUrl}/`);
  return page;
}

/** What the suites use of the bundle's socket, inside a page. */
export interface PageSocket {
  id: string | undefined;
  io: {
    engine?: { transport?: { name: string }; on(event: string, listener: () => void): void };
    on(event: string, listener: (...args: never[]) => void): void;
  };
  on(event: string, listener: (...args: never[]) => void): void;
  emit(event: string, ...args: unknown[]): void;
  emitWithAck(event: string, ...args: unknown[]): Promise<unknown>;
  disconnect(): void;
}

/** The bundle's global `io`, inside a page. */
declare const io: (url?: string, options?: Record<string, unknown>) => PageSocket;

/**
 * Connects the page's client to `url` (the page's own origin when undefined) and keeps the socket
 * as `globalThis.sock`: with `transports` forced alone (no upgrade), or with the default ladder
 * when undefined, then waits for its upgrade to WebSocket. Resolves to the socket id and the
 * client's transport; rejects on connect_error.
 */
export function connectPage(
  page: Page,
  url: string | undefined,
  transports: readonly string[] | undefined,
): Promise<{ id: string; transport: string | undefined }> {
  return page.evaluate(
    async ({ url, transports }) => {
      const options: Record<string, unknown> = { forceNew: true, reconnection: false };
      if (transports) Object.assign(options, { transports, upgrade: false });
      const socket = io(url, options);
      (globalThis as { sock?: PageSocket }).sock = socket;
      await new Promise<void>((resolve, reject) => {
        socket.on("connect", () => resolve());
        socket.on("connect_error", (e: Error) => reject(new Error(`connect_error: ${e.message}`)));
      });
      if (!transports && socket.io.engine?.transport?.name !== "websocket") {
        await new Promise<void>((resolve) => socket.io.engine?.on("upgrade", () => resolve()));
      }
      return { id: socket.id ?? "", transport: socket.io.engine?.transport?.name };
    },
    { url, transports },
  );
}
