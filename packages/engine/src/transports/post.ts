/**
 * The client-to-server half shared by every HTTP transport (polling, sse, jsonp, htmlfile): a
 * POST carries a polling payload (packets joined by `\x1e`, binary as `b` + base64), at most
 * `maxHttpBufferSize` bytes (413 beyond), one POST at a time, answered `ok` before its packets
 * are handed on in order.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { decodeEnginePayload, type EnginePacket, isProtocolError } from "@switchboard/protocol";
import { EngineError } from "../errors.js";
import { readBody, writeError } from "../http-edge.js";
import type { TransportContext, TransportSink } from "../transport.js";

/** Where a {@link PostReceiver} reports. */
export interface PostHost {
  /** The sink of the transport, or null once it has none. */
  sink(): TransportSink | null;
  /** A transport error (overlap, body too large). */
  fail(error: EngineError): void;
}

/** Receives the POSTs of one session's HTTP transport. */
export class PostReceiver {
  private inProgress = false;

  constructor(
    private readonly ctx: TransportContext,
    private readonly host: PostHost,
  ) {}

  /** Handles one POST. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    if (this.inProgress) {
      writeError(res, new EngineError("POLL_OVERLAP", "A POST is already in progress"));
      this.host.fail(new EngineError("POLL_OVERLAP", "Overlapping POST from the client"));
      return;
    }
    const limit = this.ctx.options.maxHttpBufferSize;
    this.inProgress = true;
    req.on("error", () => {
      this.inProgress = false;
    });
    readBody(
      req,
      res,
      limit,
      (body) => {
        this.inProgress = false;
        this.onPayload(body.toString("utf8"), req, res);
      },
      () => {
        this.inProgress = false;
        const error = new EngineError("PAYLOAD_TOO_LARGE", `Body over ${limit} bytes`);
        writeError(res, error);
        this.host.fail(error);
      },
    );
  }

  private onPayload(body: string, req: IncomingMessage, res: ServerResponse): void {
    let packets: EnginePacket[];
    try {
      packets = decodeEnginePayload(body, "nodebuffer");
    } catch (err) {
      if (!isProtocolError(err)) throw err;
      const error = new EngineError("PARSE_ERROR", err.message, {}, { cause: err });
      writeError(res, new EngineError("BAD_REQUEST", err.message));
      this.host.sink()?.error("parse error", error);
      return;
    }
    writeOk(this.ctx, req, res);
    for (const packet of packets) {
      const sink = this.host.sink();
      if (sink === null) return;
      sink.packet(packet);
    }
  }
}

/** Answers a POST with `ok` (text/plain, never cached, never sniffed). */
export function writeOk(ctx: TransportContext, req: IncomingMessage, res: ServerResponse): void {
  if (res.destroyed) return;
  const headers: OutgoingHttpHeaders = {
    "Content-Type": "text/plain; charset=UTF-8",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Length": 2,
  };
  ctx.decorateHeaders(headers, req, false);
  res.writeHead(200, headers);
  res.end("ok");
}
