/**
 * Server-Sent Events (`transport=sse`) for Node, on a streaming fetch: the GET answers
 * `text/event-stream`, each event's `data` is one engine packet (binary as `b` + base64), the
 * first event of a new session is the open packet; packets up go in POSTs. Node has no
 * EventSource, and this one never retries by itself: an error goes to the engine client.
 */
import { transportError } from "../core/errors.js";
import type { TransportFactory } from "../core/transport.js";
import { HttpTransport } from "./base.js";
import { request } from "./http.js";
import { SseParser } from "./sse-parser.js";

class SseNode extends HttpTransport {
  readonly name = "sse" as const;
  readonly #abort = new AbortController();

  protected start(): void {
    this.downBusy = true;
    request(this.ctx, {
      signal: this.#abort.signal,
      headers: { accept: "text/event-stream", ...this.ctx.extraHeaders },
    })
      .then(async (res) => {
        const type = res.headers.get("content-type") ?? "";
        if (!type.startsWith("text/event-stream") || !res.body) {
          throw transportError(`not an event stream: ${type}`);
        }
        this.h.onOpen();
        // An event named "j" carries its packet as a JSON string (a packet with a "\r" in it).
        const parser = new SseParser((data, event) => this.receiveText(data, true, event === "j"));
        const decoder = new TextDecoder();
        const reader = res.body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (this.state === "closed") return;
          if (done) break;
          if (!parser.push(decoder.decode(value, { stream: true }))) return;
        }
        this.close();
        this.h.onClose();
      })
      .catch((error: unknown) => this.fail(error));
  }

  protected stop(): void {
    this.#abort.abort();
  }
}

/** The SSE transport (Node: streaming fetch). */
export const sse: TransportFactory = {
  transportName: "sse",
  create: (ctx, handlers) => new SseNode(ctx, handlers),
};
