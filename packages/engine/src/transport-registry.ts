/**
 * The transports an engine can offer, by name: the engine builds a factory from each one its
 * options name.
 */
import type { TransportFactoryMaker } from "./transport.js";
import { htmlfileFactory } from "./transports/htmlfile.js";
import { jsonpFactory } from "./transports/jsonp.js";
import { pollingFactory } from "./transports/polling.js";
import { sseFactory } from "./transports/sse.js";
import { websocketFactory } from "./transports/websocket.js";

/** The transports an engine can offer, by name; new transports register here. */
export const transportRegistry: ReadonlyMap<string, TransportFactoryMaker> = new Map<
  string,
  TransportFactoryMaker
>([
  ["polling", pollingFactory],
  ["websocket", websocketFactory],
  ["sse", sseFactory],
  ["jsonp", jsonpFactory],
  ["htmlfile", htmlfileFactory],
]);
