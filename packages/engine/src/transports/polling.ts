/**
 * HTTP long-polling (Engine.IO v4 spec, "HTTP long-polling"): a GET waits until packets are
 * queued and takes them all as one payload; a POST delivers a payload and is answered `ok`.
 * One GET and one POST at a time per session; anything else is a protocol error. Once the
 * transport is closed, a GET is answered at once with the close packet and a POST with 400.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { deflate, gzip } from "node:zlib";
import { type EnginePacket, encodeEnginePayload } from "@switchboard/protocol";
import { EngineError } from "../errors.js";
import { answerHeaders, writeError } from "../http-edge.js";
import type { HttpTransportFactory, TransportCloseMode, TransportContext } from "../transport.js";
import { HttpTransport, httpTransportFactory } from "./http.js";

/** What answers a poll: the body around a payload, and its media type. */
export interface PollAnswer {
  readonly body: string;
  readonly contentType: string;
}

/** "closing": a graceful close waits for the next GET to carry the close packet. */
type PollingState = "open" | "closing" | "closed";

/** The long-polling transport of one session. */
export class PollingTransport extends HttpTransport {
  readonly name: string = "polling";
  private state: PollingState = "open";
  private pendingGet: { req: IncomingMessage; res: ServerResponse } | null = null;
  /** Called once the close packet went out (state "closing": waiting for a GET to carry it). */
  private onClosed: (() => void) | undefined;
  /** Bytes of answers written and not yet taken by the operating system. */
  private answerBytes = 0;

  get writable(): boolean {
    return this.state === "open" && this.pendingGet !== null;
  }

  get bufferedAmount(): number {
    return this.answerBytes;
  }

  send(packets: readonly EnginePacket[], options: { compress: boolean }, onWritten?: () => void) {
    const get = this.pendingGet;
    if (get === null || this.state === "closed") return;
    this.pendingGet = null;
    this.respond(get.req, get.res, encodeEnginePayload(packets), options.compress, onWritten);
  }

  close(mode: TransportCloseMode, onClosed?: () => void): void {
    // Closing again while waiting for a poll to carry the close packet: stop waiting.
    if (this.state === "closing") this.finishClose();
    if (this.state !== "open") return;
    const get = this.pendingGet;
    if (mode !== "graceful" || get !== null) {
      this.state = "closed";
      this.pendingGet = null;
      // Releases a waiting GET: with the close packet, or with a noop after an upgrade.
      if (get) this.respond(get.req, get.res, mode === "discard" ? "6" : "1", false);
      this.releasePosts(mode);
      onClosed?.();
      return;
    }
    // No GET to carry the close packet: wait for the next poll (the session bounds the wait).
    this.state = "closing";
    this.onClosed = onClosed;
  }

  private finishClose(): void {
    this.state = "closed";
    this.releasePosts("immediate");
    const done = this.onClosed;
    this.onClosed = undefined;
    done?.();
  }

  /** A poll: held until there is something to send. */
  protected onGet(req: IncomingMessage, res: ServerResponse): void {
    if (this.state !== "open") {
      // Never hold a poll that nothing will answer: it carries the close packet at once.
      this.respond(req, res, "1", false);
      if (this.state === "closing") this.finishClose();
      return;
    }
    if (res.destroyed) {
      // Its client left while the request was being checked.
      this.fail(new EngineError("POLL_ABORTED", "The poll's connection closed before it arrived"));
      return;
    }
    if (this.pendingGet !== null) {
      writeError(res, new EngineError("POLL_OVERLAP", "A GET is already pending"));
      this.fail(new EngineError("POLL_OVERLAP", "Overlapping GET from the client"));
      return;
    }
    this.pendingGet = { req, res };
    res.on("close", () => {
      if (this.pendingGet?.res === res) {
        this.pendingGet = null;
        this.fail(new EngineError("POLL_ABORTED"));
      }
    });
    this.sink?.onTransportDrain();
  }

  /** The answer to a poll carrying `payload`; JSONP wraps it in a script. */
  protected answer(_req: IncomingMessage, payload: string): PollAnswer {
    return { body: payload, contentType: "text/plain; charset=UTF-8" };
  }

  private respond(
    req: IncomingMessage,
    res: ServerResponse,
    payload: string,
    compress: boolean,
    onWritten?: () => void,
  ): void {
    const { body, contentType } = this.answer(req, payload);
    const headers = answerHeaders(contentType);
    const initial = this.initial;
    this.initial = false;
    this.ctx.decorateHeaders(headers, req, initial);
    // Packets lost with a connection that closes before the answer is written fail the session
    // (the client cannot know what it missed); onWritten only runs once they really went out.
    const lost = (): void => {
      if (!res.writableFinished) this.fail(new EngineError("POLL_ABORTED", "Answer not delivered"));
    };
    // `on`, not `once`: a response closes once, and `once` wraps and unwraps every answer.
    if (onWritten) res.on("close", lost);
    const end = (payload: string | Buffer): void => {
      if (res.destroyed) {
        if (onWritten) lost();
        return;
      }
      const bytes = Buffer.byteLength(payload);
      headers["Content-Length"] = bytes;
      res.writeHead(200, headers);
      // Counted until the OS has it ("finish") or it is lost ("close").
      this.answerBytes += bytes;
      let counted = true;
      const release = (): void => {
        if (!counted) return;
        counted = false;
        this.answerBytes -= bytes;
      };
      res.on("finish", release);
      res.on("close", release);
      // What end(payload, onWritten) does, without its once("finish") wrapper.
      if (onWritten) res.on("finish", onWritten);
      res.end(payload);
    };
    const threshold = this.ctx.options.httpCompressionThreshold;
    const encoding = compress && threshold !== undefined ? acceptedEncoding(req) : undefined;
    if (encoding === undefined || threshold === undefined || Buffer.byteLength(body) < threshold) {
      end(body);
      return;
    }
    const zip = encoding === "gzip" ? gzip : deflate;
    zip(body, this.ctx.options.httpCompressionOptions, (err, out) => {
      if (err) {
        end(body);
        return;
      }
      headers["Content-Encoding"] = encoding;
      end(out);
    });
  }
}

function acceptedEncoding(req: IncomingMessage): "gzip" | "deflate" | undefined {
  const accept = req.headers["accept-encoding"];
  if (typeof accept !== "string") return undefined;
  const names = accept.split(",").map((part) => part.split(";")[0]!.trim().toLowerCase());
  if (names.includes("gzip")) return "gzip";
  if (names.includes("deflate")) return "deflate";
  return undefined;
}

/** The polling transport's factory for one engine. */
export function pollingFactory(ctx: TransportContext): HttpTransportFactory {
  return httpTransportFactory({
    name: "polling",
    // sse is offered only to clients that name it in the handshake (see offeredUpgrades).
    upgradesTo: ["websocket", "sse"],
    create: (initial) => new PollingTransport(ctx, initial),
  });
}
