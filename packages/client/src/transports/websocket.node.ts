/**
 * The WebSocket transport for Node, on the `ws` package: it sends `extraHeaders`, and takes the
 * Node options (`agent`, TLS, `localAddress`, `perMessageDeflate`, `protocols`, `forceBase64`).
 * A handshake marked for the polling fallback (`ctx.fallback`) reads the answer a proxy that
 * dropped `Upgrade` let through: polling's open packet, handed on with the error.
 */
import type { IncomingMessage } from "node:http";
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

/** Largest fallback answer read (an open packet is about 150 bytes). */
const MAX_FALLBACK_ANSWER = 4096;

/**
 * The answer to a marked handshake that was not a 101: an open packet (200, `0{…}`) goes to
 * the transport's error handler as the error's `handshake`, anything else fails as `ws` says.
 */
function readFallback(ws: WebSocket, res: IncomingMessage): void {
  let done = false;
  const fail = (message: string, handshake?: string) => {
    if (done) return;
    done = true;
    res.destroy();
    ws.onerror?.({ message, handshake } as unknown as WebSocket.ErrorEvent);
  };
  if (res.statusCode !== 200) {
    fail(`Unexpected server response: ${res.statusCode}`);
    return;
  }
  let text = "";
  res.setEncoding("utf8");
  res.on("data", (chunk: string) => {
    text += chunk;
    if (text.length > MAX_FALLBACK_ANSWER) fail("fallback answer too long");
  });
  res.on("end", () =>
    text.startsWith("0{")
      ? fail("the WebSocket upgrade did not reach the server: polling", text)
      : fail("Unexpected server response: 200"),
  );
  res.on("error", (error) => fail(error.message));
}

/** WebSocket transport (Node). */
export const websocket: TransportFactory = websocketTransport((url, ctx) => {
  const { forceBase64, protocols, parser: _, ...node } = ctx.node;
  const options = { ...(node as WebSocket.ClientOptions), headers: { ...ctx.extraHeaders } };
  const Socket = forceBase64 ? Base64WebSocket : WebSocket;
  const marked = ctx.fallback ? `${url}&${new URLSearchParams(ctx.fallback)}` : url;
  const ws = new Socket(marked, protocols === undefined ? [] : [protocols].flat(), options);
  if (ctx.fallback) ws.on("unexpected-response", (_req, res) => readFallback(ws, res));
  return ws as unknown as WebSocketLike;
});
