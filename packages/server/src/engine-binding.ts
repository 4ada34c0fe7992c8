/**
 * Creating and attaching the engine. Kept apart from the server so that the server core
 * depends only on the session interfaces of ./session.ts.
 */
import { createServer, type Server as HttpServer } from "node:http";
import { Engine, type EngineOptions } from "@switchboard/engine";
import type { EngineLike } from "./session.js";

/** An engine that can attach itself to an HTTP server. */
export interface AttachableEngine extends EngineLike {
  attachTo(srv: HttpServer | number, path: string): { httpServer: HttpServer; detach: () => void };
}

/**
 * Creates an `@switchboard/engine` Engine with Socket.IO's option names; `attachTo` takes an HTTP
 * server, or a port on which it creates one and listens.
 */
export function createEngine(options: EngineOptions & { path: string }): AttachableEngine {
  const engine = new Engine(options) as Engine & AttachableEngine;
  engine.attachTo = (srv, path) => {
    // A server made here answers what is not the engine's with 404, as Socket.IO's does.
    const httpServer =
      typeof srv === "number" ? createServer((_req, res) => res.writeHead(404).end()) : srv;
    const detach = engine.attach(httpServer, { path });
    if (typeof srv === "number") httpServer.listen(srv);
    return { httpServer, detach };
  };
  return engine;
}
