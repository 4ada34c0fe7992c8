/**
 * What the options resolver knows about Node (chosen by the package's `#platform` import
 * condition; browsers get platform.browser.ts): the connection options Node honours, the
 * socket.io-client options it refuses.
 */
import { BadOptionError } from "@switchboard/protocol";
import type { ManagerOptions, NodeOnlyOptions } from "./options.js";

/**
 * socket.io-client options this client does not implement, with why. Unset or `false` is this
 * client's own behaviour and passes; for a name marked `!`, unset or `true` does.
 */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  transportOptions: "set options at the top level, they apply to every transport",
  transportImplementations: "pass transport factories in `transports`",
  "!tryAllTransports": "the transport ladder always tries the next transport",
  useNativeTimers: "the client uses the global timers",
  requestTimeout: "use `transportTimeout` and `timeout`",
  closeOnBeforeunload: "Node has no beforeunload event",
  autoUnref: "not implemented: disconnect the socket to let the process exit",
};

/** Throws SB_ERR_BAD_OPTION, naming the option and why, for one it cannot honour. */
function refuseUnsupported(options: object): void {
  for (const spec in UNSUPPORTED) {
    const name = spec.replace("!", "");
    const value = (options as Record<string, unknown>)[name];
    if (value !== undefined && value !== (name !== spec)) {
      throw new BadOptionError(`option ${name} is not supported: ${UNSUPPORTED[spec]}`);
    }
  }
}

const NODE_KEYS = [
  "agent",
  "ca",
  "cert",
  "key",
  "pfx",
  "passphrase",
  "ciphers",
  "rejectUnauthorized",
  "localAddress",
  "perMessageDeflate",
  "forceBase64",
  "protocols",
  "parser",
] as const;

/**
 * Refuses what Node cannot honour (SB_ERR_BAD_OPTION), then returns the Node-only options
 * given and `parser` (only those set), frozen.
 */
export function platformOptions(options: ManagerOptions): Readonly<NodeOnlyOptions> {
  refuseUnsupported(options);
  // Options already resolved (a Manager setter resolves them again) carry them under `node`.
  const given = (options as { node?: NodeOnlyOptions }).node ?? options;
  const out: Record<string, unknown> = {};
  for (const key of NODE_KEYS) if (given[key] !== undefined) out[key] = given[key];
  return Object.freeze(out) as NodeOnlyOptions;
}

/** Node has no page that goes away and comes back: reconnection follows its backoff timer. */
export function onPageBack(_back: () => void): () => void {
  return () => {};
}

/**
 * Whether this platform's WebSocket can read the answer to a failed handshake, and so use the
 * polling fallback of a Switchboard server (packages/engine/src/polling-fallback.ts): Node's
 * `ws` can. A handshake on websocket (no session yet) whose next rung is polling carries
 * `fallback=polling` and polling's `upgrades`; other servers ignore it and refuse as usual.
 */
export const WEBSOCKET_FALLBACK: boolean = true;
