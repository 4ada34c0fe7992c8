/**
 * iframe streaming (`transport=htmlfile`, browsers only). A hidden iframe loads
 * `...&transport=htmlfile&j=<n>&o=<page origin>`; the server streams an HTML document of
 * `<script>` chunks, each calling
 * `parent.postMessage({"___sb": n, "d": "<polling payload>"}, "<page origin>")` with that
 * exact target origin (only once the server's origin policy allowed it), so the page receives
 * the packets and no other page can. Packets up go in CORS-simple POSTs. The document ending
 * (the iframe's load event) ends the transport.
 */
import type { TransportFactory } from "../core/transport.js";
import { HttpTransport } from "./base.js";
import { stamp } from "./http.js";
import { JSONP_GLOBAL } from "./jsonp.browser.js";

let frames = 0;

class HtmlFile extends HttpTransport {
  readonly name = "htmlfile" as const;
  #iframe: HTMLIFrameElement | undefined;
  #origin = "";
  /** Accepts only this iframe's messages, from the server's origin, for this index. */
  readonly #onMessage = (event: MessageEvent) => {
    const data = event.data as Record<string, unknown> | null;
    const payload = data?.[JSONP_GLOBAL] === this.#index && data.d;
    if (
      event.source === this.#iframe?.contentWindow &&
      event.origin === this.#origin &&
      typeof payload === "string"
    ) {
      this.receiveText(payload);
    }
  };
  readonly #index = frames++;

  protected override readonly simplePost = true;

  protected start(): void {
    const iframe = document.createElement("iframe");
    iframe.style.display = "none";
    iframe.src = this.ctx.url({ j: String(this.#index), o: location.origin, ...stamp(this.ctx) });
    this.#origin = new URL(iframe.src).origin;
    // The document ended (or was an error page): the engine client decides what follows.
    iframe.onload = () => {
      if (this.state === "closed") return;
      this.close();
      this.h.onClose();
    };
    this.#iframe = iframe;
    this.downBusy = true;
    addEventListener("message", this.#onMessage);
    document.body.appendChild(iframe);
    this.h.onOpen();
  }

  protected stop(): void {
    removeEventListener("message", this.#onMessage);
    this.#iframe?.remove();
    this.#iframe = undefined;
  }
}

/** The iframe streaming transport (browsers only). */
export const htmlfile: TransportFactory = {
  transportName: "htmlfile",
  create: (ctx, handlers) => new HtmlFile(ctx, handlers),
};
