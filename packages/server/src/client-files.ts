/**
 * `serveClient`: the Switchboard browser bundle at `<path>socket.io.js` (and `.min.js`, the ES
 * module `socket.io.esm.min.js`, their source maps), where pages written for Socket.IO load it.
 *
 * Like engine-binding.ts, this is the server's HTTP edge, not its core (which sees only engine
 * sessions): it runs where the server is attached to an `http.Server`. The files are the
 * `@switchboard/client` package's build output, found through that package's own export of its
 * bundle, so the server depends on the client package's built files only, never on its code:
 * the same lookup works in this repository (where `npm install` builds the client) and in an
 * installed package, from the ES module and from the CommonJS build alike.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { Server as HttpServer, IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { trace } from "./debug.js";

const JS = "application/javascript; charset=utf-8";
const MAP = "application/json; charset=utf-8";

/** Served name → [file in the client's dist/, content type]. */
const FILES: ReadonlyMap<string, readonly [string, string]> = new Map([
  ["socket.io.js", ["switchboard.js", JS]],
  ["socket.io.min.js", ["switchboard.min.js", JS]],
  ["socket.io.esm.min.js", ["switchboard.esm.min.js", JS]],
  // The maps, by Socket.IO's names and by the names the bundles' sourceMappingURL give.
  ["socket.io.js.map", ["switchboard.js.map", MAP]],
  ["socket.io.min.js.map", ["switchboard.min.js.map", MAP]],
  ["socket.io.esm.min.js.map", ["switchboard.esm.min.js.map", MAP]],
  ["switchboard.js.map", ["switchboard.js.map", MAP]],
  ["switchboard.min.js.map", ["switchboard.min.js.map", MAP]],
  ["switchboard.esm.min.js.map", ["switchboard.esm.min.js.map", MAP]],
]);

/** One file as served: read once, its ETag, and its gzipped form once asked for. */
interface Loaded {
  readonly body: Buffer;
  readonly etag: string;
  readonly type: string;
  gzipped?: Buffer;
}

/** The directory of the client's built bundle (its package export `./switchboard.min.js`). */
function bundleDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve("@switchboard/client/switchboard.min.js"));
}

/** Whether the client accepts a gzipped answer. */
function acceptsGzip(req: IncomingMessage): boolean {
  const accept = req.headers["accept-encoding"];
  return typeof accept === "string" && /\bgzip\b/.test(accept);
}

function answer(req: IncomingMessage, res: ServerResponse, file: Loaded): void {
  const headers: Record<string, string | number> = {
    "Content-Type": file.type,
    ETag: file.etag,
    // Cached, and checked again each time (the ETag makes that a 304 until the bundle changes).
    "Cache-Control": "public, max-age=0",
    Vary: "Accept-Encoding",
  };
  const tags = req.headers["if-none-match"];
  if (tags?.split(",").some((t) => t.trim() === file.etag)) {
    res.writeHead(304, headers).end();
    return;
  }
  let body = file.body;
  if (acceptsGzip(req)) {
    file.gzipped ??= gzipSync(file.body);
    body = file.gzipped;
    headers["Content-Encoding"] = "gzip";
  }
  headers["Content-Length"] = body.length;
  res.writeHead(200, headers);
  res.end(req.method === "HEAD" ? undefined : body);
}

/**
 * Serves the client files under `path` on `server`: requests for them are answered here, every
 * other request goes to the listeners that were there before, moved behind this one. Returns
 * `detach()`, which puts them back as they were.
 */
export function serveClientFiles(server: HttpServer, enginePath: string): () => void {
  const path = enginePath.endsWith("/") ? enginePath : `${enginePath}/`;
  const cache = new Map<string, Promise<Loaded | undefined>>();
  const load = (name: string, file: string, type: string): Promise<Loaded | undefined> => {
    let loaded = cache.get(name);
    if (loaded === undefined) {
      loaded = readFile(join(bundleDir(), file)).then(
        (body) => {
          const hash = createHash("sha256").update(body).digest("base64url").slice(0, 27);
          return { body, etag: `"${hash}"`, type };
        },
        (err: Error) => {
          trace("client bundle missing", { file, error: err, hint: "build @switchboard/client" });
          cache.delete(name);
          return undefined;
        },
      );
      cache.set(name, loaded);
    }
    return loaded;
  };
  const previous = server.listeners("request") as ((...args: unknown[]) => void)[];
  for (const listener of previous) server.off("request", listener);
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const pathname = q === -1 ? url : url.slice(0, q);
    const served =
      (req.method === "GET" || req.method === "HEAD") && pathname.startsWith(path)
        ? FILES.get(pathname.slice(path.length))
        : undefined;
    if (served === undefined) {
      for (const listener of previous) listener.call(server, req, res);
      return;
    }
    const [file, type] = served;
    void load(pathname, file, type).then((loaded) => {
      if (loaded !== undefined) answer(req, res, loaded);
      else {
        res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" });
        res.end(
          "The Switchboard client bundle is not built (npm run build -w @switchboard/client)",
        );
      }
    });
  };
  server.on("request", onRequest);
  let attached = true;
  return () => {
    if (!attached) return;
    attached = false;
    server.off("request", onRequest);
    for (let i = previous.length - 1; i >= 0; i--) server.prependListener("request", previous[i]!);
  };
}
