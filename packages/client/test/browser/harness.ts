/**
 * Browser test harness: an HTTP server that serves a blank page and the bundle
 * (scripts/bundle.mjs's output, built from the current sources once per test file) with the official
 * socket.io 4.8 server attached, and Debian's Chromium driven by playwright-core.
 */
import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import {
  createServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { Server, type ServerOptions } from "socket.io";

const root = fileURLToPath(new URL("../..", import.meta.url));
let bundle: Buffer | undefined;

/** Builds the browser bundle from the current sources into `out` (no size check). */
export function buildBundle(out: string): void {
  const built = spawnSync(
    process.execPath,
    ["scripts/bundle.mjs", "--no-size-check", "--out", out],
    { cwd: root, stdio: "inherit" },
  );
  if (built.status !== 0) throw new Error("bundle build failed");
}

/** The bundle, built from the current sources on first use (in a temporary directory). */
export function loadBundle(): Buffer {
  if (!bundle) {
    const dir = mkdtempSync(join(tmpdir(), "sb-bundle-"));
    try {
      buildBundle(join(dir, "switchboard.min.js"));
      bundle = readFileSync(join(dir, "switchboard.min.js"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return bundle;
}

const page = `<!doctype html><meta charset="utf-8"><title>switchboard</title>
<script src="/switchboard.min.js"></script>`;

/** The page server with socket.io on it. */
export interface PageServer {
  http: HttpServer;
  io: Server;
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Starts the page server (on `port`, or a free one). */
export async function startPageServer(
  options: Partial<ServerOptions> = {},
  port = 0,
  extra?: (req: IncomingMessage, res: ServerResponse) => boolean,
): Promise<PageServer> {
  const code = loadBundle();
  const http = createServer((req, res) => {
    if (extra?.(req, res)) return;
    if (req.url === "/switchboard.min.js") {
      res.writeHead(200, { "content-type": "application/javascript" }).end(code);
    } else if (req.url === "/") {
      res.writeHead(200, { "content-type": "text/html" }).end(page);
    } else if (!req.url?.startsWith("/socket.io/")) {
      res.writeHead(404).end();
    }
  });
  const io = new Server(http, options);
  http.listen(port, "127.0.0.1");
  await once(http, "listening");
  const actual = (http.address() as AddressInfo).port;
  return {
    http,
    io,
    port: actual,
    url: `http://127.0.0.1:${actual}`,
    close: () =>
      new Promise<void>((resolve) => {
        io.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}

/** Launches Debian's Chromium, headless. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

/** Opens the test page of `server` in a new page. */
export async function openPage(browser: Browser, server: PageServer): Promise<Page> {
  const p = await browser.newPage();
  await p.goto(`${server.url}/`);
  return p;
}
