/** The WebSocket transport for browsers, on the global `WebSocket`. */
import type { TransportFactory } from "../core/transport.js";
import { type WebSocketLike, websocketTransport } from "./websocket.js";

/** WebSocket transport (browsers). */
export const websocket: TransportFactory = websocketTransport(
  (url) => new WebSocket(url) as unknown as WebSocketLike,
);
