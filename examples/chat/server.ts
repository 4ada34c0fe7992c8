/**
 * The chat demo's server: one process, one HTTP server carrying the page, its assets, the
 * client's browser bundle and Switchboard on the embedded default (in-memory adapter), and
 * its Prometheus metrics on /metrics (@switchboard/prometheus, on a registry of its own).
 * With the `cluster` option it is one node of a cluster instead: @switchboard/redis-adapter
 * and the rooms' histories in Redis (`npm run start:cluster` runs three, see cluster.ts).
 *
 *   npm start                 http://localhost:3000
 *   PORT=8080 npm start       another port (PORT=0: a free one, printed)
 */
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { registerMetrics } from "@switchboard/prometheus";
import { createAdapter } from "@switchboard/redis-adapter";
import { Server } from "@switchboard/server";
import { Redis } from "ioredis";
import { Registry } from "prom-client";
import { type ChatServer, installChat, LIMITS, RATE_LIMIT } from "./chat.ts";
import { redisHistory } from "./history.ts";

/** Options of {@link startChat}. */
export interface ChatOptions {
  /** Port to listen on; 0 picks a free one. @default 3000 */
  port?: number;
  /** Interface to listen on. @default undefined (all interfaces, as Node does) */
  host?: string;
  /**
   * The client's browser bundle to serve as /switchboard.min.js.
   * @default packages/client/dist/switchboard.min.js (`npm run build -w @switchboard/client`)
   */
  bundlePath?: string;
  /**
   * Run as one node of a cluster: session ids tagged `nodeTag` (what nginx routes on), the
   * Redis adapter and the rooms' histories on `redisUrl`, the tag shown on the page.
   * @default undefined (one process, in memory)
   */
  cluster?: { nodeTag: string; redisUrl: string };
}

/** A running chat server. */
export interface RunningChat {
  io: ChatServer;
  port: number;
  /** Where the page is, e.g. `http://localhost:3000`. */
  url: string;
  /** Disconnects everyone and closes the HTTP server. */
  close(): Promise<void>;
}

const publicDir = new URL("./public/", import.meta.url);
const defaultBundle = fileURLToPath(import.meta.resolve("@switchboard/client/switchboard.min.js"));

/** Files the page needs, by URL path: file, content type. */
const assets: Record<string, readonly [URL | "bundle", string]> = {
  "/": [new URL("index.html", publicDir), "text/html; charset=utf-8"],
  "/app.js": [new URL("app.js", publicDir), "text/javascript; charset=utf-8"],
  "/style.css": [new URL("style.css", publicDir), "text/css; charset=utf-8"],
  "/switchboard.min.js": ["bundle", "text/javascript; charset=utf-8"],
};

/**
 * What the page may load: only this origin's scripts, styles and connections (WebSocket
 * included), and this origin's frames (the htmlfile transport streams through an iframe).
 * A second line of defence behind the page's escaping: no inline script runs.
 */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'; " +
  "frame-ancestors 'none'";

/** Starts the chat: HTTP server listening, Switchboard attached. */
export async function startChat(options: ChatOptions = {}): Promise<RunningChat> {
  const bundlePath = options.bundlePath ?? defaultBundle;
  // Read once at start: a missing bundle is a clear error now, not a broken page later.
  const bundle = await readFile(bundlePath).catch((err: NodeJS.ErrnoException) => {
    throw new Error(
      `the client bundle is missing (${bundlePath}): run "npm run build -w @switchboard/client" (${err.code})`,
    );
  });
  const metrics = new Registry();
  const http = createServer((req, res) => void serve(req, res, bundle, metrics));
  const cluster = options.cluster && connectCluster(options.cluster);
  const io: ChatServer = new Server(http, { rateLimit: RATE_LIMIT, ...cluster?.serverOptions });
  const unregisterMetrics = registerMetrics(io, { register: metrics });
  if (cluster) {
    // The adapter reports a Redis outage once per outage: the console says why joins fail.
    io.on("error", (err) => console.error(`chat node ${cluster.tag}: ${err.message}`));
    installChat(io, { history: redisHistory(cluster.pub, LIMITS.history), node: cluster.tag });
  } else installChat(io);
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(options.port ?? 3000, options.host, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  return {
    io,
    port,
    url: `http://${options.host ?? "localhost"}:${port}`,
    close: async () => {
      unregisterMetrics();
      await io.close();
      http.closeAllConnections();
      await cluster?.quit();
    },
  };
}

/** The Redis clients of a cluster node and the server options that use them. */
function connectCluster({ nodeTag, redisUrl }: { nodeTag: string; redisUrl: string }) {
  const pub = new Redis(redisUrl);
  const sub = pub.duplicate();
  // Connection errors reach the server as one "error" per outage (through the adapter);
  // ioredis retries by itself meanwhile.
  pub.on("error", () => {});
  sub.on("error", () => {});
  return {
    tag: nodeTag,
    pub,
    serverOptions: { nodeTag, adapter: createAdapter(pub, sub) },
    quit: async () => {
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  bundle: Buffer,
  metrics: Registry,
): Promise<void> {
  // Switchboard answers its own path; everything else is ours.
  if (req.url?.startsWith("/socket.io/")) return;
  const path = new URL(req.url ?? "/", "http://x").pathname;
  if (path === "/metrics" && req.method === "GET") {
    const text = await metrics.metrics();
    res.writeHead(200, { "content-type": metrics.contentType, "cache-control": "no-store" });
    res.end(text);
    return;
  }
  const asset = assets[path];
  if (!asset || (req.method !== "GET" && req.method !== "HEAD")) {
    res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
    return;
  }
  const [file, type] = asset;
  try {
    const body = file === "bundle" ? bundle : await readFile(file);
    res.writeHead(200, {
      "content-type": type,
      "content-length": body.length,
      "cache-control": "no-cache",
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      ...(path === "/" ? { "content-security-policy": CSP } : {}),
    });
    res.end(req.method === "HEAD" ? undefined : body);
  } catch {
    res.writeHead(500, { "content-type": "text/plain" }).end("could not read the page\n");
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const port = Number(process.env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`PORT must be a port number, not ${JSON.stringify(process.env.PORT)}`);
    process.exit(1);
  }
  const chat = await startChat({ port });
  console.log(`Switchboard chat on ${chat.url}  (force a transport: ${chat.url}/?transport=sse)`);
  const stop = () => {
    chat.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
