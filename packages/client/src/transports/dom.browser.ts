/**
 * What jsonp and htmlfile share: the packets come down through an element (a `<script>` per
 * poll, one `<iframe>` per stream) that loads the transport's URL with `j=<n>`, and go up in
 * CORS-simple POSTs.
 */
import { transportError } from "../core/errors.js";
import { HttpTransport } from "./base.js";
import { stamp } from "./http.js";

/** Base of the element-based transports. */
export abstract class DomTransport extends HttpTransport {
  /**
   * Starts once the page has loaded: a `<script>` or `<iframe>` added before the page's `load`
   * event delays it, and a long poll or a stream would delay it for good.
   */
  protected start(): void {
    const begin = () => this.state === "closed" || this.begin();
    if (document.readyState === "complete") begin();
    else addEventListener("load", begin, { once: true });
  }

  /** Opens the down channel (the page has loaded). */
  protected abstract begin(): void;

  protected override readonly simplePost = true;
  /** The element loading now. */
  protected element: HTMLElement | undefined;
  /** `n`: the JSONP callback slot, or the htmlfile message key. */
  protected index = -1;

  /** Adds a `tag` element (hidden) loading this transport's URL with `j` and `extra`. */
  protected load<K extends "script" | "iframe">(
    tag: K,
    extra: Record<string, string>,
  ): HTMLElementTagNameMap[K] {
    const element = document.createElement(tag);
    element.hidden = true;
    element.src = this.ctx.url({ j: String(this.index), ...extra, ...stamp(this.ctx) });
    element.onerror = () => this.fail(transportError(`${this.name} error`));
    this.element = element;
    this.downBusy = true;
    document.body.appendChild(element);
    return element;
  }

  protected stop(): void {
    this.element?.remove();
  }
}
