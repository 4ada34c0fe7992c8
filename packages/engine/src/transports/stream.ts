/**
 * What the streaming transports (sse, htmlfile) share: one long GET that the server writes
 * packets down as they come (a batch per write, never a second concurrent stream for one
 * session), POSTs up as for polling, keep-alive writes while idle so that proxies do not time
 * the stream out, and backpressure from the socket (`writable` is false until it drains).
 * A stream that the peer closes keeps delivering POSTs to the session until the session lets
 * go of it (an upgrade may still be completing); once the transport is closed, requests are
 * refused at once (400).
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { EnginePacket } from "@switchboard/protocol";
import { trace } from "../debug.js";
import { EngineError } from "../errors.js";
import { writeError } from "../http-edge.js";
import type { TransportCloseMode } from "../transport.js";
import { HttpTransport } from "./http.js";

/** "waiting": no stream yet; "open": streaming; "closed": ended or gone. */
export type StreamState = "waiting" | "open" | "closed";

/** A streaming transport; subclasses say how the stream is framed. */
export abstract class StreamTransport extends HttpTransport {
  private state: StreamState = "waiting";
  private res: ServerResponse | null = null;
  private heartbeat: NodeJS.Timeout | undefined;
  private idle = true;

  /** Response headers of the stream (before the engine's `headers` listeners). */
  protected abstract headers(req: IncomingMessage): OutgoingHttpHeaders;
  /** What opens the stream (may be ""). */
  protected abstract prelude(req: IncomingMessage): string;
  /** One write carrying `packets`. */
  protected abstract frame(packets: readonly EnginePacket[]): string;
  /** A keep-alive write that carries no packet. */
  protected abstract keepAlive(): string;
  /** What ends the stream (may be ""). */
  protected abstract epilogue(): string;

  get writable(): boolean {
    return this.state === "open" && this.res !== null && !this.res.writableNeedDrain;
  }

  get bufferedAmount(): number {
    return this.res?.writableLength ?? 0;
  }

  send(packets: readonly EnginePacket[], _options: { compress: boolean }, onWritten?: () => void) {
    const res = this.res;
    if (this.state !== "open" || res === null) return;
    this.idle = false;
    res.write(this.frame(packets), () => onWritten?.());
  }

  close(mode: TransportCloseMode, onClosed?: () => void): void {
    const res = this.res;
    this.releasePosts(mode);
    if (this.state !== "closed") {
      this.state = "closed";
      clearInterval(this.heartbeat);
      if (res !== null && !res.destroyed) {
        if (mode !== "graceful" && res.writableNeedDrain) {
          // A peer that stopped reading: the end could not get through; do not wait for it.
          res.destroy();
        } else {
          // A stream can tell the peer now; after an upgrade it just ends.
          res.end(`${mode === "discard" ? "" : this.frame([{ type: "close" }])}${this.epilogue()}`);
        }
      }
    }
    onClosed?.();
  }

  /** The stream's GET: the one that opens it; any other is refused. */
  protected onGet(req: IncomingMessage, res: ServerResponse): void {
    if (this.state === "closed") {
      writeError(res, new EngineError("TRANSPORT_CLOSED", "The stream is closed"));
      return;
    }
    if (this.state !== "waiting") {
      // A second stream for one session: refused; the first one goes on.
      writeError(res, new EngineError("BAD_REQUEST", "A stream is already open"));
      return;
    }
    if (res.destroyed) {
      // Its client left while the request was being checked.
      this.onGone();
      return;
    }
    this.state = "open";
    this.res = res;
    const headers = this.headers(req);
    this.ctx.decorateHeaders(headers, req, this.initial);
    res.writeHead(200, headers);
    res.socket?.setNoDelay(true);
    // A stream opened for an upgrade has nothing to say until the probe, yet its client must
    // see it open: a keep-alive goes first (headers alone are held back by buffering proxies).
    const prelude = this.prelude(req) || (this.initial ? "" : this.keepAlive());
    if (prelude !== "") res.write(prelude);
    res.on("drain", () => {
      if (this.state === "open") this.sink?.onTransportDrain();
    });
    res.on("close", () => this.onGone());
    trace("stream open", { transport: this.name, url: req.url });
    this.startKeepAlive();
    this.sink?.onTransportDrain();
  }

  private startKeepAlive(): void {
    const interval = this.ctx.options.streamHeartbeat;
    if (interval === undefined) return;
    this.heartbeat = setInterval(() => {
      if (!this.idle) this.idle = true;
      else if (this.res !== null && !this.res.writableNeedDrain) this.res.write(this.keepAlive());
    }, interval);
  }

  /**
   * The peer went away (or the connection broke): the transport is closed. The sink stays: a
   * POST already on its way still reaches a session that waits for an upgrade to complete.
   */
  private onGone(): void {
    if (this.state === "closed") return;
    this.state = "closed";
    clearInterval(this.heartbeat);
    trace("stream closed by peer", { transport: this.name });
    this.sink?.onTransportClose();
  }
}
