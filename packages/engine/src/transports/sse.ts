/**
 * Server-Sent Events (`transport=sse`, this project's own). `GET ...&transport=sse` answers
 * `text/event-stream`; each engine packet is one event whose `data` is the packet as in a
 * polling payload (binary as `b` + base64), the first event of a new session being the open
 * packet. Keep-alives are comment lines. Client to server: POSTs, as for polling. EventSource
 * sends `Origin` on cross-origin requests, so the origin policy covers the stream itself.
 *
 * Event data cannot carry a carriage return (WHATWG HTML, "Server-sent events": CR, LF and CRLF
 * all end a line, and data lines are joined with LF). So a packet whose text contains CR goes as
 * an event of type `j` whose one `data:` line is the JSON string of the text (JSON escapes CR
 * and LF); every other packet is a default ("message") event, its LF-separated lines as `data:`
 * lines. The client takes `j` events through `JSON.parse`. See the README ("Transports", sse).
 */
import type { OutgoingHttpHeaders } from "node:http";
import { type EnginePacket, encodeEnginePacket, SSE_JSON_EVENT } from "@switchboard/protocol";
import { answerHeaders } from "../http-edge.js";
import type { HttpTransportFactory, TransportContext } from "../transport.js";
import { httpTransportFactory } from "./http.js";
import { StreamTransport } from "./stream.js";

/**
 * One SSE event carrying `text` losslessly: as `data:` lines split at LF, or, when `text`
 * contains a CR (which SSE would turn into a line break), as a `j` event whose single data
 * line is `JSON.stringify(text)`.
 */
export function sseEvent(text: string): string {
  if (text.includes("\r")) return `event: ${SSE_JSON_EVENT}\ndata: ${JSON.stringify(text)}\n\n`;
  let out = "";
  for (const line of text.split("\n")) out += `data: ${line}\n`;
  return `${out}\n`;
}

/** The SSE transport of one session. */
export class SseTransport extends StreamTransport {
  readonly name = "sse";

  protected headers(): OutgoingHttpHeaders {
    // no-transform: a proxy must not compress (and so buffer) the stream.
    const headers = answerHeaders("text/event-stream; charset=UTF-8", "no-cache, no-transform");
    headers["X-Accel-Buffering"] = "no";
    return headers;
  }

  protected prelude(): string {
    return "";
  }

  protected frame(packets: readonly EnginePacket[]): string {
    let out = "";
    for (const packet of packets) out += sseEvent(encodeEnginePacket(packet, false) as string);
    return out;
  }

  protected keepAlive(): string {
    return ":\n\n";
  }

  protected epilogue(): string {
    return "";
  }
}

/** The SSE transport's factory for one engine. */
export function sseFactory(ctx: TransportContext): HttpTransportFactory {
  return httpTransportFactory({
    name: "sse",
    upgradesTo: ["websocket"],
    create: (initial) => new SseTransport(ctx, initial),
  });
}
