/**
 * @switchboard/client (browser entry): a drop-in for socket.io-client 4.x. `io(url, options)`
 * connects with every transport of the platform (browsers: websocket, polling (XMLHttpRequest), sse
 * (EventSource), jsonp, htmlfile), tried in that order; a session opened on polling then
 * upgrades to the best transport the server offers (websocket, else sse).
 */
import type { DefaultEventsMap, EventsMap } from "./core/emitter.js";
import { lookup as find } from "./core/io.js";
import { Manager as CoreManager } from "./core/manager.js";
import type { ClientOptions, ManagerOptions } from "./core/options.js";
import { Socket } from "./core/socket.js";
import type { TransportFactory } from "./core/transport.js";
import { protocol } from "./public.js";
import { htmlfile } from "./transports/htmlfile.browser.js";
import { jsonp } from "./transports/jsonp.browser.js";
import { polling } from "./transports/polling.js";
import { sse } from "./transports/sse.browser.js";
import { websocket } from "./transports/websocket.browser.js";

export * from "./public.js";
export { htmlfile, jsonp, polling, sse, websocket };

/** The transports of this platform, in the default order of the ladder. */
export const transports: readonly TransportFactory[] = Object.freeze([
  websocket,
  polling,
  sse,
  jsonp,
  htmlfile,
]);

/** One connection to a server, multiplexing namespaces, with automatic reconnection. */
export class Manager extends CoreManager {
  constructor(uri?: string | ManagerOptions, options: ManagerOptions = {}) {
    super(uri, options, transports);
  }
}

/**
 * Connects to a namespace of a server: `io("https://example.com/admin", options)`. Sockets
 * of the same server share one Manager (one connection) unless `forceNew` or
 * `multiplex: false`.
 */
export function io<Listen extends EventsMap = DefaultEventsMap, Emit extends EventsMap = Listen>(
  uri?: string | ClientOptions,
  options?: ClientOptions,
): Socket<Listen, Emit> {
  return find((u, o) => new Manager(u, o), uri, options) as unknown as Socket<Listen, Emit>;
}

export { io as connect };

/**
 * The default export: `io` with `io.io`, `io.connect`, `io.Manager`, `io.Socket` and
 * `io.protocol` on it, as socket.io-client's default export (and the bundle's global `io`).
 */
const lookup = Object.assign(io, { io, connect: io, Manager, Socket, protocol });
export default lookup;
