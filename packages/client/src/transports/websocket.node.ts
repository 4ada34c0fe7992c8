/** The WebSocket transport for Node, on the `ws` package (which can send `extraHeaders`). */
import WebSocket from "ws";
import type { TransportFactory } from "../core/transport.js";
import { type WebSocketLike, websocketTransport } from "./websocket.js";

/** WebSocket transport (Node). */
export const websocket: TransportFactory = websocketTransport(
  (url, ctx) =>
    new WebSocket(url, { headers: { ...ctx.extraHeaders } }) as unknown as WebSocketLike,
);
