/**
 * iframe streaming (`transport=htmlfile`, browsers only). A hidden iframe loads
 * `...&transport=htmlfile&j=<n>&o=<page origin>`; the server streams an HTML document of
 * `<script>` chunks, each calling
 * `parent.postMessage({"___sb": n, "d": "<polling payload>"}, "<page origin>")` with that
 * exact target origin (only once the server's origin policy allowed it), so the page receives
 * the packets and no other page can. Packets up go in CORS-simple POSTs. The document ending
 * (the iframe's load event) ends the transport.
 */

import { JSONP_GLOBAL } from "@switchboard/protocol";
import type { TransportFactory } from "../core/transport.js";
import { DomTransport } from "./dom.browser.js";

let frames = 0;

class HtmlFile extends DomTransport {
  readonly name = "htmlfile" as const;
  #origin = "";
  /** Accepts only this iframe's messages, from the server's origin, for this index. */
  readonly #onMessage = ({ source, origin, data }: MessageEvent) => {
    const payload = data?.[JSONP_GLOBAL] === this.index && data.d;
    if (
      source === (this.element as HTMLIFrameElement).contentWindow &&
      origin === this.#origin &&
      typeof payload === "string"
    ) {
      this.receiveText(payload);
    }
  };

  protected begin(): void {
    this.index = frames++;
    addEventListener("message", this.#onMessage);
    const iframe = this.load("iframe", { o: location.origin });
    this.#origin = new URL(iframe.src).origin;
    // The document ended (or was an error page): the engine client decides what follows.
    iframe.onload = () => {
      if (this.state === "closed") return;
      this.close();
      this.handlers.onClose();
    };
    this.handlers.onOpen();
  }

  protected override stop(): void {
    removeEventListener("message", this.#onMessage);
    super.stop();
  }
}

/** The iframe streaming transport (browsers only). */
export const htmlfile: TransportFactory = {
  transportName: "htmlfile",
  create: (ctx, handlers) => new HtmlFile(ctx, handlers),
};
