/**
 * Server-Sent Events (`transport=sse`) for browsers, on EventSource. EventSource reconnects by
 * itself after an error; that is not wanted here (the engine client decides what follows), so
 * the first error closes it.
 */
import { SSE_JSON_EVENT } from "@switchboard/protocol";
import { transportError } from "../core/errors.js";
import type { TransportFactory } from "../core/transport.js";
import { HttpTransport } from "./base.js";
import { stamp } from "./http.js";

class SseBrowser extends HttpTransport {
  readonly name = "sse" as const;
  #source: EventSource | undefined;

  protected start(): void {
    const source = new EventSource(this.ctx.url(stamp(this.ctx)), {
      withCredentials: this.ctx.withCredentials,
    });
    this.#source = source;
    this.downBusy = true;
    source.onopen = () => this.handlers.onOpen();
    source.onmessage = (event: MessageEvent<string>) => this.receiveText(event.data, true);
    // SSE_JSON_EVENT carries its packet as a JSON string (a packet with a "\r" in it).
    source.addEventListener(SSE_JSON_EVENT, (event) => this.receiveText(event.data, true, true));
    source.onerror = () => this.fail(transportError("sse error"));
  }

  protected stop(): void {
    this.#source?.close();
  }
}

/** The SSE transport (browsers: EventSource). */
export const sse: TransportFactory = {
  transportName: "sse",
  create: (ctx, handlers) => new SseBrowser(ctx, handlers),
};
