/**
 * What the options resolver knows about browsers (chosen by the package's `#platform` import
 * condition; Node gets platform.node.ts). The browser owns connections, TLS and timers: the Node
 * connection options are ignored there, as socket.io-client ignores them. The options this
 * client does not implement are refused by their types only: a runtime check would not fit the
 * browser bundle's size budget.
 */
import type { ManagerOptions, NodeOnlyOptions } from "./options.js";

const NONE: Readonly<NodeOnlyOptions> = Object.freeze({});

/** Browsers carry none of the Node-only options (nor, for now, `parser`). */
export function platformOptions(_options: ManagerOptions): Readonly<NodeOnlyOptions> {
  return NONE;
}

const PAGE_BACK = ["online", "pageshow", "visibilitychange"];

/**
 * Calls `back` whenever the page comes back while it is visible: the network is online again,
 * the page is shown (also from the back/forward cache), or it becomes visible
 * (`visibilitychange` bubbles from the document to the window); a hidden page waits until it
 * is visible. Returns the detach() that removes exactly these listeners. (A worker has no
 * document: `online` alone fires there.)
 */
export function onPageBack(back: () => void): () => void {
  const listener = () => globalThis.document?.hidden || back();
  const each = (method: typeof addEventListener) => {
    for (const type of PAGE_BACK) method(type, listener);
  };
  each(addEventListener);
  return () => each(removeEventListener);
}

/**
 * Whether this platform's WebSocket can read the answer to a failed handshake, and so use the
 * polling fallback of a Switchboard server (packages/engine/src/polling-fallback.ts): not in
 * browsers. A constant, so that the bundle drops the code it guards.
 */
export const WEBSOCKET_FALLBACK: boolean = false;
