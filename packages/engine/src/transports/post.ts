/**
 * The client-to-server half shared by every HTTP transport (polling, sse, jsonp, htmlfile): a
 * POST carries a polling payload (packets joined by `\x1e`, binary as `b` + base64), at most
 * `maxHttpBufferSize` bytes (413 beyond), one POST at a time, answered `ok` before its packets
 * are handed on in order. A POST that nobody can take (the transport has no sink: it is closed)
 * is answered at once with 400 `SB_ERR_TRANSPORT_CLOSED`, as is one still arriving when the
 * transport closes.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { decodeEnginePayload, type EnginePacket, isProtocolError } from "@switchboard/protocol";
import { EngineError } from "../errors.js";
import { answerHeaders, readBody, writeError } from "../http-edge.js";
import type { TransportContext, TransportSink } from "../transport.js";

/** The POST's stop() until reading has started. */
const NOTHING = (): void => {};

/** Where a {@link PostReceiver} reports. */
export interface PostHost {
  /** The sink of the transport, or null once it has none. */
  sink(): TransportSink | null;
  /** A transport error (overlap, body too large). */
  fail(error: EngineError): void;
}

/** Receives the POSTs of one session's HTTP transport. */
export class PostReceiver {
  /** The POST being read, and how to stop reading it. */
  private current: { res: ServerResponse; stop: () => void } | null = null;
  /** Where the packets of the POST being read go once the transport has closed, if anywhere. */
  private handOver: TransportSink | null = null;
  /** Set by {@link pause}: a POST that arrives is held, unread, until {@link resume}. */
  private paused = false;
  private held: { req: IncomingMessage; res: ServerResponse } | null = null;

  constructor(
    private readonly ctx: TransportContext,
    private readonly host: PostHost,
  ) {}

  /** Handles one POST. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    if (this.host.sink() === null) {
      writeError(res, new EngineError("TRANSPORT_CLOSED"));
      return;
    }
    if (this.current !== null || this.held !== null) {
      writeError(res, new EngineError("POLL_OVERLAP", "A POST is already in progress"));
      this.host.fail(new EngineError("POLL_OVERLAP", "Overlapping POST from the client"));
      return;
    }
    if (this.paused) {
      // Not read: its bytes wait in the kernel, and the client sends no other POST meanwhile.
      this.held = { req, res };
      req.pause();
      return;
    }
    this.read(req, res);
  }

  /** Holds the next POST unread until {@link resume} (one being read is finished). */
  pause(): void {
    this.paused = true;
  }

  /** Reads again, starting with a POST held meanwhile. */
  resume(): void {
    this.paused = false;
    const held = this.held;
    if (held === null) return;
    this.held = null;
    if (held.res.destroyed) return;
    this.read(held.req, held.res);
    held.req.resume();
  }

  private read(req: IncomingMessage, res: ServerResponse): void {
    const limit = this.ctx.options.maxHttpBufferSize;
    const current = { res, stop: NOTHING };
    this.current = current;
    const settle = (): boolean => {
      if (this.current !== current) return false;
      this.current = null;
      return true;
    };
    req.on("error", settle);
    current.stop = readBody(
      req,
      res,
      limit,
      (body) => {
        if (settle()) this.onPayload(body.toString("utf8"), req, res);
      },
      () => {
        if (!settle()) return;
        const error = new EngineError("PAYLOAD_TOO_LARGE", `Body over ${limit} bytes`);
        writeError(res, error);
        this.host.fail(error);
      },
    );
  }

  /**
   * The transport closed. A POST still being read is answered now with 400 (its packets are
   * dropped), unless `handOver` is given (the session moved to another transport while the POST
   * arrived): it is then read to its end and its packets go to `handOver`.
   */
  close(handOver: TransportSink | null = null): void {
    const held = this.held;
    this.held = null;
    if (held !== null) {
      // Its body was never read: the connection cannot be reused.
      writeError(held.res, new EngineError("TRANSPORT_CLOSED", "Closed"), undefined, {
        Connection: "close",
      });
    }
    const current = this.current;
    if (current === null) return;
    if (handOver !== null) {
      this.handOver = handOver;
      return;
    }
    this.current = null;
    current.stop();
    writeError(current.res, new EngineError("TRANSPORT_CLOSED", "Closed while the POST arrived"));
  }

  private onPayload(body: string, req: IncomingMessage, res: ServerResponse): void {
    const handOver = this.handOver;
    this.handOver = null;
    const sinkOf = (): TransportSink | null => handOver ?? this.host.sink();
    let packets: EnginePacket[];
    try {
      packets = decodeEnginePayload(body, "nodebuffer");
    } catch (err) {
      if (!isProtocolError(err)) throw err;
      const error = new EngineError("PARSE_ERROR", err.message, {}, { cause: err });
      writeError(res, new EngineError("BAD_REQUEST", err.message));
      sinkOf()?.onTransportError("parse error", error);
      return;
    }
    if (sinkOf() === null) {
      writeError(res, new EngineError("TRANSPORT_CLOSED", "Closed while the POST arrived"));
      return;
    }
    writeOk(this.ctx, req, res);
    for (const packet of packets) {
      const sink = sinkOf();
      if (sink === null) return;
      sink.onTransportPacket(packet);
    }
  }
}

/** Answers a POST with `ok` (text/plain, never cached, never sniffed). */
export function writeOk(ctx: TransportContext, req: IncomingMessage, res: ServerResponse): void {
  if (res.destroyed) return;
  const headers = answerHeaders("text/plain; charset=UTF-8");
  headers["Content-Length"] = 2;
  ctx.decorateHeaders(headers, req, false);
  res.writeHead(200, headers);
  res.end("ok");
}
