/**
 * Creating and attaching the engine. Kept apart from the server so that the server core
 * depends only on the session interfaces of ./session.ts.
 */
import type { Server as HttpServer } from "node:http";
import { NotAttachedError } from "./errors.js";
import type { EngineOptionsPassthrough } from "./options.js";
import type { EngineLike } from "./session.js";

/** An engine that can attach itself to an HTTP server. */
export interface AttachableEngine extends EngineLike {
  attachTo(srv: HttpServer | number, path: string): { httpServer: HttpServer; detach: () => void };
}

/** Creates the engine with Socket.IO's option names. */
export function createEngine(
  _options: EngineOptionsPassthrough & { path: string },
): AttachableEngine {
  throw new NotAttachedError("attach()");
}
