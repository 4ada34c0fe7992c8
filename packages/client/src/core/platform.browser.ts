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
