/**
 * `io()`: finds or creates the Manager for a URL (one connection per server, shared by
 * namespaces, as Socket.IO's `lookup`) and returns the socket of the URL's namespace.
 */
import type { Manager } from "./manager.js";
import type { ClientOptions } from "./options.js";
import type { Socket } from "./socket.js";
import { parseUrl } from "./url.js";

const cache: Record<string, Manager> = {};

/** Creates a Manager (the platform's subclass, which knows the platform's transports). */
export type CreateManager = (uri: string | undefined, options: ClientOptions) => Manager;

/** Connects to `uri` (a server URL whose path is the namespace). */
export function lookup(
  create: CreateManager,
  uri?: string | ClientOptions,
  options: ClientOptions = {},
): Socket {
  if (typeof uri === "object") {
    options = uri;
    uri = undefined;
  }
  const parsed = parseUrl(uri);
  const id = parsed.origin + (options.path ?? "");
  const same = cache[id] && parsed.nsp in cache[id].nsps;
  let io: Manager;
  if (options.forceNew || options.multiplex === false || same) {
    io = create(uri, options);
  } else {
    io = cache[id] ??= create(uri, options);
  }
  return io.socket(parsed.nsp, options);
}
