/**
 * JSONP polling (`transport=jsonp`, browsers only): each poll is a `<script>` whose URL carries
 * `j=<n>`; the server answers `application/javascript` that calls
 * `window[JSONP_GLOBAL][n]("<polling payload>")` — a fixed global, never a name taken from the
 * request. Packets up go in CORS-simple POSTs (text/plain), which need no preflight. Works where
 * neither CORS nor WebSocket does.
 */
import { transportError } from "../core/errors.js";
import type { TransportFactory } from "../core/transport.js";
import { HttpTransport } from "./base.js";
import { stamp } from "./http.js";

/**
 * Name of the global array of JSONP callbacks: the server's answer to `j=<n>` is
 * `___sb[n]("payload")` (the payload as a JSON string literal). htmlfile messages carry it too.
 */
export const JSONP_GLOBAL = "___sb";

type Registry = ((payload: string) => void)[];

class Jsonp extends HttpTransport {
  readonly name = "jsonp" as const;
  #index = -1;
  #script: HTMLScriptElement | undefined;
  /** The page's callback registry. */
  #registry: Registry = [];

  protected override readonly simplePost = true;

  protected start(): void {
    const g = globalThis as unknown as Record<string, Registry | undefined>;
    g[JSONP_GLOBAL] ??= [];
    this.#registry = g[JSONP_GLOBAL];
    this.#index = this.#registry.push((payload) => this.#onPayload(payload)) - 1;
    this.h.onOpen();
    this.#poll();
  }

  #poll(): void {
    const script = document.createElement("script");
    script.async = true;
    script.src = this.ctx.url({ j: String(this.#index), ...stamp(this.ctx) });
    script.onerror = () => this.fail(transportError("jsonp poll error"));
    this.#script = script;
    this.downBusy = true;
    document.head.appendChild(script);
  }

  #onPayload(payload: string): void {
    this.#script?.remove();
    this.#script = undefined;
    this.downBusy = false;
    if (!this.receiveText(payload)) return;
    if (this.state === "open") this.#poll();
    else this.checkPaused();
  }

  protected stop(): void {
    this.#script?.remove();
    this.#script = undefined;
    if (this.#index >= 0) this.#registry[this.#index] = () => {};
  }
}

/** The JSONP polling transport (browsers only). */
export const jsonp: TransportFactory = {
  transportName: "jsonp",
  create: (ctx, handlers) => new Jsonp(ctx, handlers),
};
