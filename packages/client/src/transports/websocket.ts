/**
 * WebSocket transport, shared by browsers (the global `WebSocket`) and Node (the `ws`
 * package): one engine packet per frame, binary as binary frames. The platform files give it
 * a way to open the socket.
 */
import { decodeEnginePacket, type EnginePacket, encodeEnginePacket } from "@switchboard/protocol";
import { transportError } from "../core/errors.js";
import type {
  ClientTransport,
  TransportContext,
  TransportFactory,
  TransportHandlers,
} from "../core/transport.js";

/** The part of the WebSocket API this transport uses (browsers' and `ws` both have it). */
export interface WebSocketLike {
  binaryType: string;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onclose: ((event: unknown) => void) | null;
  send(data: string | ArrayBuffer | ArrayBufferView | Blob): void;
  close(): void;
}

/** Opens a WebSocket to `url` (ws: or wss:). */
export type OpenWebSocket = (url: string, ctx: TransportContext) => WebSocketLike;

class WebSocketTransport implements ClientTransport {
  readonly name = "websocket" as const;
  readonly #ws: WebSocketLike;
  #closed = false;

  constructor(ctx: TransportContext, handlers: TransportHandlers, open: OpenWebSocket) {
    const ws = open(ctx.url().replace(/^http/, "ws"), ctx);
    this.#ws = ws;
    ws.binaryType = ctx.binaryType; // "nodebuffer" (Node, ws) or "arraybuffer" (browsers)
    ws.onopen = () => handlers.onOpen();
    ws.onmessage = (event) => {
      // `ws` still delivers while closing: a closed transport calls nothing (the contract).
      if (this.#closed) return;
      let packet: EnginePacket;
      try {
        packet = decodeEnginePacket(event.data as string, ctx.binaryType);
      } catch (error) {
        this.close();
        return handlers.onError(transportError("invalid packet", error));
      }
      handlers.onPacket(packet);
    };
    // `ws` says why (e.g. "self-signed certificate"); a browser's error event says nothing.
    ws.onerror = (event) => {
      if (this.#closed) return;
      this.close();
      handlers.onError(
        transportError((event as { message?: string }).message || "websocket error", event),
      );
    };
    ws.onclose = () => {
      if (this.#closed) return;
      this.#closed = true;
      handlers.onClose();
    };
    this.#drain = () => !this.#closed && handlers.onDrain();
  }

  readonly #drain: () => void;

  send(packets: EnginePacket[]): void {
    for (const packet of packets) this.#ws.send(encodeEnginePacket(packet, true));
    // The socket took the frames (it buffers them itself): the engine may write again once the
    // caller's synchronous code is done, so emits made together still share one batch. Not a
    // timer: browsers clamp nested zero-delay timers to 4 ms, a wait on every steady write.
    queueMicrotask(this.#drain);
  }

  probeSent(): void {}

  pause(done: () => void): void {
    done();
  }

  resume(): void {}

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ws.close();
  }
}

/** A WebSocket transport factory over the given way of opening sockets. */
export function websocketTransport(open: OpenWebSocket): TransportFactory {
  return {
    transportName: "websocket",
    create: (ctx, handlers) => new WebSocketTransport(ctx, handlers, open),
  };
}
