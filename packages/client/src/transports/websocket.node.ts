/**
 * The WebSocket transport for Node, on the `ws` package: it sends `extraHeaders`, and takes the
 * Node options (`agent`, TLS, `localAddress`, `perMessageDeflate`, `protocols`, `forceBase64`).
 */
import { toBase64 } from "@switchboard/protocol";
import WebSocket from "ws";
import type { TransportFactory } from "../core/transport.js";
import { type WebSocketLike, websocketTransport } from "./websocket.js";

/** `forceBase64`: binary goes as a base64 text frame (the packet's `b` form), not a binary frame. */
class Base64WebSocket extends WebSocket {
  override send(data: string | ArrayBuffer | ArrayBufferView): void {
    super.send(typeof data === "string" ? data : `b${toBase64(data)}`);
  }
}

/** WebSocket transport (Node). */
export const websocket: TransportFactory = websocketTransport((url, ctx) => {
  const { forceBase64, protocols, parser: _, ...node } = ctx.node;
  const options = { ...(node as WebSocket.ClientOptions), headers: { ...ctx.extraHeaders } };
  const Socket = forceBase64 ? Base64WebSocket : WebSocket;
  return new Socket(
    url,
    protocols === undefined ? [] : [protocols].flat(),
    options,
  ) as unknown as WebSocketLike;
});
