/**
 * @switchboard/client/core (node): the same API with no transport built in, for bundles
 * that carry only what they use: `io(url, { transports: [websocket, polling] })` with the
 * transport factories imported from here. Transports that are not imported drop out.
 */
import type { DefaultEventsMap, EventsMap } from "./core/emitter.js";
import { lookup } from "./core/io.js";
import { Manager } from "./core/manager.node.js";
import type { ClientOptions } from "./core/options.js";
import type { Socket } from "./core/socket.js";

export { Manager } from "./core/manager.node.js";
export * from "./public.js";
export { polling } from "./transports/polling.js";
export { sse } from "./transports/sse.node.js";
export { websocket } from "./transports/websocket.node.js";

/** Connects to a namespace of a server; `options.transports` must hold transport factories. */
export function io<Listen extends EventsMap = DefaultEventsMap, Emit extends EventsMap = Listen>(
  uri?: string | ClientOptions,
  options?: ClientOptions,
): Socket<Listen, Emit> {
  return lookup((u, o) => new Manager(u, o), uri, options) as unknown as Socket<Listen, Emit>;
}
