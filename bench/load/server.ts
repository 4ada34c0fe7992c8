/**
 * One server under test, run as a child process of the harness (bench/load/run.ts):
 * `node --expose-gc --import tsx bench/load/server.ts <target>` (no "source" condition: Switchboard
 * runs from its build, see loadIoServer).
 *
 * It listens on 127.0.0.1 port 0, reports the port over IPC, answers `stats` requests with
 * process.cpuUsage(), process.memoryUsage() and the committed size of V8's new space, and exits
 * when the IPC channel closes (so it never outlives the harness; with BENCH_CPU_PROF the exit
 * writes the CPU profile). Every target serves the same two behaviours:
 * - echo: a client's `echo` event (or, for bare ws, any frame on `/echo`) is sent back to it;
 * - broadcast: a client's `bcast` event (bare ws: any frame on `/bcast`) goes to every client.
 * Bare ws also answers Engine.IO long-polling on `/socket.io/` with the floor responder of
 * polling-floor.ts (plain node:http, no protocol work).
 * The "switchboard+metrics" target is a Switchboard server with its Prometheus metrics
 * registered (@switchboard/prometheus from its build, on a registry of its own), to measure what
 * they cost beside "switchboard" in the same run.
 * With `BENCH_REDIS_URL`, it is one node of a cluster (the cluster scenario): its target's own
 * Redis adapter (@switchboard/redis-adapter from its build, or @socket.io/redis-adapter) on
 * that Redis, through ioredis, so `io.emit` also reaches the other nodes' clients.
 */
import { readFileSync } from "node:fs";
import {
  createServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { getHeapSpaceStatistics } from "node:v8";
import { WebSocketServer } from "ws";
import {
  type ChildMessage,
  isParentMessage,
  type ServerStats,
  type TargetName,
} from "./lib/ipc.ts";
import { servePollingFloor } from "./polling-floor.ts";

/** The part of Socket.IO's server API the benchmark uses; Switchboard's is the same. */
interface IoSocketLike {
  on(event: string, listener: (...args: never[]) => void): unknown;
  emit(event: string, ...args: unknown[]): unknown;
}
interface IoServerLike {
  on(event: "connection", listener: (socket: IoSocketLike) => void): unknown;
  emit(event: string, ...args: unknown[]): unknown;
  adapter(adapter: unknown): unknown;
}
type IoServerClass = new (http: HttpServer) => IoServerLike;

const repoRoot = join(import.meta.dirname, "..", "..");
const counter = { connections: 0 };

function send(message: ChildMessage): void {
  process.send?.(message);
}

/** Echo and broadcast on the Socket.IO API (shared by socket.io and Switchboard). */
function serveIo(io: IoServerLike): void {
  io.on("connection", (socket) => {
    counter.connections++;
    socket.on("echo", (message: never) => socket.emit("echo", message));
    socket.on("bcast", (message: never) => io.emit("bcast", message));
    // The client scenarios: an acknowledgement carrying the message back.
    socket.on("ack", ((message: unknown, ack: (m: unknown) => void) => ack(message)) as never);
    socket.on("disconnect", () => counter.connections--);
  });
}

/**
 * Bare ws: raw frames, no protocol; the request path picks echo or broadcast. The same http
 * server answers long-polling with the floor responder (the polling scenario's ws column).
 */
function serveWs(http: HttpServer): void {
  servePollingFloor(http);
  const wss = new WebSocketServer({ server: http });
  wss.on("connection", (ws, req) => {
    counter.connections++;
    ws.on("close", () => counter.connections--);
    if (req.url?.startsWith("/bcast")) {
      ws.on("message", (data, isBinary) => {
        for (const client of wss.clients) client.send(data, { binary: isBinary });
      });
    } else {
      ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
    }
  });
}

/** Loads the Server class of a target, or explains why it cannot. */
async function loadIoServer(target: "socket.io" | "switchboard"): Promise<IoServerClass | string> {
  // Switchboard runs from its build (dist/, made by `npm run build`, which `npm run bench` runs
  // first), as users run it and as socket.io runs from its published JavaScript. The computed URL
  // keeps the typecheck independent of the build.
  const specifier =
    target === "socket.io"
      ? "socket.io"
      : pathToFileURL(join(repoRoot, "packages", "server", "dist", "index.js")).href;
  try {
    const mod = (await import(specifier)) as { Server?: unknown };
    if (typeof mod.Server !== "function") return `${target} does not export a Server class`;
    return mod.Server as IoServerClass;
  } catch (error) {
    return `${target} failed to load: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`;
  }
}

/**
 * The Chromium scenario's files: `/bench/page.html?lib=sb|sio|x:<label>` (a blank page loading
 * one bundle), `/bench/sb.js` (Switchboard's browser bundle: BENCH_SB_BUNDLE, or the build's
 * dist/switchboard.min.js), `/bench/sio.js` (socket.io-client's dist/socket.io.min.js) and
 * `/bench/x/<label>.js` (the extra bundles of BENCH_SB_EXTRA, "label=file,…"). Read on each
 * request; other paths are left to the server's other listeners.
 */
function serveBenchPages(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? "";
  if (!url.startsWith("/bench/")) return;
  const files: Record<string, string> = {
    "/bench/sb.js":
      process.env.BENCH_SB_BUNDLE ??
      join(repoRoot, "packages", "client", "dist", "switchboard.min.js"),
    "/bench/sio.js": join(repoRoot, "node_modules", "socket.io-client", "dist", "socket.io.min.js"),
  };
  for (const entry of (process.env.BENCH_SB_EXTRA ?? "").split(",")) {
    const at = entry.indexOf("=");
    if (at > 0) files[`/bench/x/${entry.slice(0, at)}.js`] = entry.slice(at + 1);
  }
  const file = files[url];
  if (file) {
    res.writeHead(200, { "content-type": "application/javascript" }).end(readFileSync(file));
  } else if (url.startsWith("/bench/page.html?lib=")) {
    const lib = decodeURIComponent(url.slice("/bench/page.html?lib=".length));
    const src = lib.startsWith("x:") ? `/bench/x/${lib.slice(2)}.js` : `/bench/${lib}.js`;
    if (!files[src]) return void res.writeHead(404).end();
    res
      .writeHead(200, { "content-type": "text/html" })
      .end(`<!doctype html><meta charset="utf-8"><script src="${src}"></script>`);
  } else res.writeHead(404).end();
}

function stats(gc: boolean): ServerStats {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (gc && collect) {
    collect();
    collect();
  }
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
  const newSpace = getHeapSpaceStatistics().find((s) => s.space_name === "new_space");
  return {
    cpu: process.cpuUsage(),
    mem: { rss, heapUsed, heapTotal, external, arrayBuffers, newSpace: newSpace?.space_size ?? 0 },
    connections: counter.connections,
  };
}

/** Registers @switchboard/prometheus (from its build) on `io`, on a registry of its own. */
async function withMetrics(io: IoServerLike): Promise<void> {
  const url = pathToFileURL(join(repoRoot, "packages", "prometheus", "dist", "index.js")).href;
  const { registerMetrics } = (await import(url)) as {
    registerMetrics(io: unknown, options: { register: unknown }): () => void;
  };
  const { Registry } = await import("prom-client");
  registerMetrics(io, { register: new Registry() });
}

/** Puts `io` on the target's own Redis adapter, on the Redis at `url`. */
async function withRedisAdapter(
  target: "socket.io" | "switchboard",
  io: IoServerLike,
  url: string,
): Promise<void> {
  const specifier =
    target === "socket.io"
      ? "@socket.io/redis-adapter"
      : pathToFileURL(join(repoRoot, "packages", "redis-adapter", "dist", "index.js")).href;
  const { createAdapter } = (await import(specifier)) as {
    createAdapter(pub: unknown, sub: unknown): unknown;
  };
  const { Redis } = await import("ioredis");
  const pub = new Redis(url);
  const sub = pub.duplicate();
  io.adapter(createAdapter(pub, sub));
}

async function main(): Promise<void> {
  const target = process.argv[2] as TargetName | undefined;
  process.on("disconnect", () => process.exit(0));
  process.on("message", (message: unknown) => {
    if (isParentMessage(message)) send({ type: "stats", id: message.id, ...stats(message.gc) });
  });
  const http = createServer(serveBenchPages);
  if (target === "ws") serveWs(http);
  else if (target === "socket.io" || target === "switchboard" || target === "switchboard+metrics") {
    const IoServer = await loadIoServer(target === "socket.io" ? target : "switchboard");
    if (typeof IoServer === "string") return send({ type: "unavailable", reason: IoServer });
    try {
      const io = new IoServer(http);
      if (target === "switchboard+metrics") await withMetrics(io);
      const redisUrl = process.env.BENCH_REDIS_URL;
      if (redisUrl)
        await withRedisAdapter(target === "socket.io" ? target : "switchboard", io, redisUrl);
      serveIo(io);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return send({ type: "unavailable", reason: `new Server() threw: ${reason}` });
    }
  } else return send({ type: "unavailable", reason: `unknown target ${String(target)}` });
  http.listen(0, "127.0.0.1", () => {
    const address = http.address();
    if (typeof address === "object" && address) send({ type: "ready", port: address.port });
  });
}

await main();
