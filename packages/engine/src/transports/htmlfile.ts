/**
 * iframe streaming (`transport=htmlfile`, this project's own). A hidden iframe loads
 * `GET ...&transport=htmlfile&j=<n>&o=<page origin>`; the answer is an HTML document streamed
 * in chunks: a prelude (padded so that browsers start rendering at once), then one `<script>`
 * per batch of packets calling
 * `parent.postMessage({"___sb": n, "d": "<polling payload>"}, "<page origin>")`. The target
 * origin is exact (never `*`), and the request is refused unless the engine's origin policy
 * allows that origin; the browser then delivers each message to that origin only. POSTs up as
 * for polling (CORS-simple). An iframe's GET sends no `Origin`, so sessions on this transport
 * are held until a POST or an upgrade passes the origin policy.
 */
import type { IncomingMessage, OutgoingHttpHeaders } from "node:http";
import { type EnginePacket, encodeEnginePayload, JSONP_GLOBAL } from "@switchboard/protocol";
import { isOriginAllowed } from "../cors.js";
import { EngineError } from "../errors.js";
import { answerHeaders, queryOf } from "../http-edge.js";
import { parseIndex, scriptLiteral } from "../script-literal.js";
import type { HttpTransportFactory, TransportContext } from "../transport.js";
import { httpTransportFactory } from "./http.js";
import { StreamTransport } from "./stream.js";

/** Bytes of padding in the prelude: browsers may buffer the first KB before rendering. */
const PADDING = 1024;

/** `value` when it is a serialized http(s) origin (`scheme://host[:port]`), else undefined. */
export function parseOrigin(value: string | null): string | undefined {
  if (value === null) return undefined;
  try {
    const url = new URL(value);
    const web = url.protocol === "http:" || url.protocol === "https:";
    return web && url.origin === value ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The htmlfile transport of one session. */
export class HtmlFileTransport extends StreamTransport {
  readonly name = "htmlfile";
  private index = 0;
  private target = "";

  protected headers(): OutgoingHttpHeaders {
    const headers = answerHeaders("text/html; charset=UTF-8", "no-cache, no-store, no-transform");
    headers["X-Accel-Buffering"] = "no";
    return headers;
  }

  protected prelude(req: IncomingMessage): string {
    // Both were checked by the factory before the request reached the transport.
    const query = queryOf(req);
    this.index = parseIndex(query.get("j")) ?? 0;
    this.target = parseOrigin(query.get("o")) ?? "null";
    const pad = " ".repeat(PADDING);
    return `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><!--${pad}-->\n`;
  }

  protected frame(packets: readonly EnginePacket[]): string {
    const message = scriptLiteral({ [JSONP_GLOBAL]: this.index, d: encodeEnginePayload(packets) });
    return `<script>parent.postMessage(${message},${scriptLiteral(this.target)});</script>\n`;
  }

  protected keepAlive(): string {
    return "<!-- -->\n";
  }

  protected epilogue(): string {
    return "</body></html>";
  }
}

/**
 * The origin policy's part for htmlfile, run before the middlewares: refuses a GET whose `o` is
 * not an http(s) origin (400) or is not allowed by the origin policy (403).
 */
export function checkHtmlFileOrigin(
  ctx: TransportContext,
  req: IncomingMessage,
  done: (error?: EngineError) => void,
): void {
  if (req.method !== "GET") {
    done();
    return;
  }
  const origin = parseOrigin(queryOf(req).get("o"));
  if (origin === undefined) {
    done(new EngineError("BAD_REQUEST", "htmlfile needs an origin o"));
    return;
  }
  isOriginAllowed(origin, req, ctx.options.cors, (allowed) => {
    done(allowed ? undefined : new EngineError("ORIGIN_REFUSED", undefined, { origin }));
  });
}

/** Refuses an htmlfile GET without a decimal `j` (400); `o` was checked before. */
export function checkHtmlFileRequest(req: IncomingMessage): EngineError | undefined {
  if (req.method !== "GET" || parseIndex(queryOf(req).get("j")) !== undefined) return undefined;
  return new EngineError("BAD_REQUEST", "htmlfile needs a decimal j");
}

/** The htmlfile transport's factory for one engine. */
export function htmlfileFactory(ctx: TransportContext): HttpTransportFactory {
  return httpTransportFactory({
    name: "htmlfile",
    upgradesTo: ["websocket"],
    needsOriginProof: true,
    checkOrigin: (req, done) => checkHtmlFileOrigin(ctx, req, done),
    check: checkHtmlFileRequest,
    create: (initial) => new HtmlFileTransport(ctx, initial),
  });
}
