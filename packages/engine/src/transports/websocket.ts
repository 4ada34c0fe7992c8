/**
 * WebSocket (Engine.IO v4 spec, "WebSocket"): one engine packet per frame, binary messages as
 * binary frames. Runs on `ws` without a server of its own (`noServer`, `handleUpgrade`), with
 * `maxHttpBufferSize` as the frame limit.
 */
import type { IncomingMessage, OutgoingHttpHeaders } from "node:http";
import type { Duplex } from "node:stream";
import { decodeEnginePacket, type EnginePacket, encodeEnginePacket } from "@switchboard/protocol";
import {
  type RawData,
  type WebSocket,
  WebSocketServer,
  type PerMessageDeflateOptions as WsPerMessageDeflateOptions,
} from "ws";
import { trace } from "../debug.js";
import { EngineError } from "../errors.js";
import type {
  ServerTransport,
  TransportCloseMode,
  TransportContext,
  TransportSink,
  UpgradeTransportFactory,
} from "../transport.js";

/**
 * The `ws` listeners are these module functions, shared by every connection (`this` is the
 * WebSocket, which carries its transport): no closures per connection.
 */
const TRANSPORT = Symbol("switchboard.transport");
type TaggedWebSocket = WebSocket & { [TRANSPORT]: WebSocketTransport };

function onWsMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  (this as TaggedWebSocket)[TRANSPORT].onMessage(data, isBinary);
}
function onWsError(this: WebSocket, err: Error): void {
  (this as TaggedWebSocket)[TRANSPORT].onError(err);
}
function onWsClose(this: WebSocket): void {
  (this as TaggedWebSocket)[TRANSPORT].onClose();
}

/** `ws.send` options, shared by every frame instead of an object per frame. */
const WS_COMPRESSED = Object.freeze({ compress: true });
const WS_PLAIN = Object.freeze({ compress: false });

/** The WebSocket transport of one session. */
export class WebSocketTransport implements ServerTransport {
  readonly name = "websocket";
  private sink: TransportSink | null = null;
  private pendingWrites = 0;
  private closed = false;

  constructor(
    private readonly ws: WebSocket,
    /** The connection `ws` writes to: corked around a batch so it leaves in one write. */
    private readonly socket: Duplex,
    private readonly deflateThreshold: number | undefined,
  ) {
    (ws as TaggedWebSocket)[TRANSPORT] = this;
    ws.on("message", onWsMessage);
    ws.on("error", onWsError);
    ws.on("close", onWsClose);
  }

  get writable(): boolean {
    return !this.closed && this.pendingWrites === 0 && this.ws.readyState === this.ws.OPEN;
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  pause(): void {
    this.ws.pause();
  }

  resume(): void {
    this.ws.resume();
  }

  setSink(sink: TransportSink | null): void {
    this.sink = sink;
  }

  send(packets: readonly EnginePacket[], options: { compress: boolean }, onWritten?: () => void) {
    if (packets.length === 0 || this.closed) return;
    this.pendingWrites += packets.length;
    const written = (): void => {
      if (--this.pendingWrites !== 0) return;
      onWritten?.();
      if (!this.closed) this.sink?.onTransportDrain();
    };
    // One frame per packet, but one TCP write per batch: without the cork every frame is a
    // writev system call of its own, most of a busy server's CPU time.
    this.socket.cork();
    try {
      for (const packet of packets) {
        const data = encodeEnginePacket(packet, true) as string | Buffer;
        const compress =
          options.compress &&
          this.deflateThreshold !== undefined &&
          (typeof data === "string" ? Buffer.byteLength(data) : data.byteLength) >=
            this.deflateThreshold;
        this.ws.send(data, compress ? WS_COMPRESSED : WS_PLAIN, written);
      }
    } finally {
      this.socket.uncork();
    }
  }

  close(mode: TransportCloseMode, onClosed?: () => void): void {
    if (!this.closed) {
      this.closed = true;
      this.sink = null;
      // A peer that stopped reading would hold the close frame and what precedes it until
      // `ws` gives up on the closing handshake: cut it instead.
      if (mode === "immediate" && this.ws.bufferedAmount > 0) this.ws.terminate();
      else this.ws.close();
    }
    onClosed?.();
  }

  /** @internal */
  onError(err: Error): void {
    this.sink?.onTransportError(
      "transport error",
      new EngineError("TRANSPORT_ERROR", err.message, {}, { cause: err }),
    );
  }

  /** @internal */
  onClose(): void {
    const sink = this.sink;
    this.closed = true;
    this.sink = null;
    sink?.onTransportClose();
  }

  /** @internal */
  onMessage(data: RawData, isBinary: boolean): void {
    const bytes = Array.isArray(data)
      ? Buffer.concat(data)
      : Buffer.isBuffer(data)
        ? data
        : Buffer.from(data);
    let packet: EnginePacket;
    try {
      packet = isBinary
        ? decodeEnginePacket(bytes, "nodebuffer")
        : decodeEnginePacket(bytes.toString("utf8"));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.sink?.onTransportError(
        "parse error",
        new EngineError("PARSE_ERROR", message, {}, { cause: err }),
      );
      return;
    }
    this.sink?.onTransportPacket(packet);
  }
}

/** The WebSocket transport's factory for one engine (owns that engine's `ws` server). */
export function websocketFactory(ctx: TransportContext): UpgradeTransportFactory {
  const o = ctx.options;
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    maxPayload: o.maxHttpBufferSize,
    // A copy: ws may write to the options object it is given.
    perMessageDeflate:
      o.perMessageDeflate === false
        ? false
        : ({ ...o.perMessageDeflate } as WsPerMessageDeflateOptions),
  });
  // No `close`: without its own server or client tracking, `wss` holds nothing to release;
  // closing it would make it refuse later upgrades (503), and the engine stays usable after
  // close().
  return {
    name: "websocket",
    via: "upgrade",
    upgradesTo: [],
    accept(req: IncomingMessage, socket: Duplex, head: Buffer, initial, done) {
      const onHeaders = (lines: string[], r: IncomingMessage): void => {
        if (r !== req) return;
        const headers: OutgoingHttpHeaders = {};
        ctx.decorateHeaders(headers, req, initial);
        for (const [name, value] of Object.entries(headers)) {
          for (const v of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${v}`);
        }
      };
      wss.on("headers", onHeaders);
      try {
        wss.handleUpgrade(req, socket, head, (ws) => {
          trace("websocket open", { url: req.url });
          done(new WebSocketTransport(ws, socket, o.perMessageDeflateThreshold));
        });
      } finally {
        wss.off("headers", onHeaders);
      }
    },
  };
}
