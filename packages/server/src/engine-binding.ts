/**
 * Creating and attaching the engine. Kept apart from the server so that the server core
 * depends only on the session interfaces of ./session.ts.
 */
import { createServer, type Server as HttpServer } from "node:http";
import { Engine, type EngineOptions } from "@switchboard/engine";
import { serveClientFiles } from "./client-files.js";
import type { EngineLike } from "./session.js";

/** An engine that can attach itself to an HTTP server. */
export interface AttachableEngine extends EngineLike {
  /** Attaches to `srv` (or a new server on port `srv`); with `serveClient`, serves the bundle. */
  attachTo(
    srv: HttpServer | number,
    path: string,
    serveClient: boolean,
  ): { httpServer: HttpServer; detach: () => void };
}

/**
 * Creates an `@switchboard/engine` Engine with Socket.IO's option names; `attachTo` takes an HTTP
 * server, or a port on which it creates one and listens.
 */
export function createEngine(options: EngineOptions & { path: string }): AttachableEngine {
  const engine = new Engine(options) as Engine & AttachableEngine;
  engine.attachTo = (srv, path, serveClient) => {
    // A server made here answers what is not the engine's with 404, as Socket.IO's does.
    const httpServer =
      typeof srv === "number" ? createServer((_req, res) => res.writeHead(404).end()) : srv;
    const detachEngine = engine.attach(httpServer, { path });
    const detachFiles = serveClient ? serveClientFiles(httpServer, path) : undefined;
    if (typeof srv === "number") httpServer.listen(srv);
    const detach = (): void => {
      detachFiles?.();
      detachEngine();
    };
    return { httpServer, detach };
  };
  return engine;
}
