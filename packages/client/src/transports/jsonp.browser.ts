/**
 * JSONP polling (`transport=jsonp`, browsers only): each poll is a `<script>` whose URL carries
 * `j=<n>`; the server answers `application/javascript` that calls
 * `window[JSONP_GLOBAL][n]("<polling payload>")` — a fixed global, never a name taken from the
 * request. Packets up go in CORS-simple POSTs (text/plain), which need no preflight. Works where
 * neither CORS nor WebSocket does.
 */

import { JSONP_GLOBAL } from "@switchboard/protocol";
import type { TransportFactory } from "../core/transport.js";
import { DomTransport } from "./dom.browser.js";

export { JSONP_GLOBAL };

type Registry = ((payload: string) => void)[];

class Jsonp extends DomTransport {
  readonly name = "jsonp" as const;
  /** The page's callback registry. */
  #registry: Registry = [];

  protected begin(): void {
    const g = globalThis as unknown as Record<string, Registry | undefined>;
    g[JSONP_GLOBAL] ??= [];
    this.#registry = g[JSONP_GLOBAL];
    this.index = this.#registry.push((payload) => this.#onPayload(payload)) - 1;
    this.handlers.onOpen();
    this.#poll();
  }

  #onPayload(payload: string): void {
    this.element?.remove();
    this.answered(payload, this.#poll);
  }

  readonly #poll = () => this.load("script", {});

  protected override restart(): void {
    if (!this.downBusy) this.#poll();
  }

  protected override stop(): void {
    super.stop();
    this.#registry[this.index] = () => {};
  }
}

/** The JSONP polling transport (browsers only). */
export const jsonp: TransportFactory = {
  transportName: "jsonp",
  create: (ctx, handlers) => new Jsonp(ctx, handlers),
};
