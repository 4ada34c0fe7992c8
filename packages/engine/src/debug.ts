/**
 * Diagnostics, one convention for every package: each layer has one name, `switchboard:<layer>`
 * ("engine", "server", "cluster", "redis-streams", and the client's "manager", "socket", ...).
 * On the server side it is a `node:diagnostics_channel` channel carrying `{ event, ...details }`
 * objects, published only while someone subscribes; and everywhere `DEBUG=switchboard:*` (or a
 * list of names, `*` as a wildcard, as the `debug` package and Socket.IO read it) prints the same
 * events as text. The engine's events: see the README ("Diagnostics").
 */
import { channel } from "node:diagnostics_channel";
import { format } from "node:util";

/** Whether `DEBUG` names `name` (comma- or space-separated names, `*` a wildcard). */
export function debugEnabled(name: string, setting = process.env.DEBUG): boolean {
  if (!setting) return false;
  return setting
    .split(/[\s,]+/)
    .filter((p) => p !== "")
    .some((p) =>
      new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`).test(name),
    );
}

/** Reports one event of a layer; `active` says whether anyone listens (to skip building it). */
export interface Trace {
  (event: string, details?: Record<string, unknown>): void;
  /** True while the channel has subscribers or `DEBUG` names the layer. */
  readonly active: boolean;
}

/** Text for a detail: primitives as they are, errors by message; objects are left to subscribers. */
function describe(details: Record<string, unknown>): string {
  let out = "";
  for (const [key, value] of Object.entries(details)) {
    if (value instanceof Error) out += ` ${key}=${JSON.stringify(value.message)}`;
    else if (value === null || typeof value !== "object") {
      out += ` ${key}=${typeof value === "string" ? JSON.stringify(value) : String(value)}`;
    }
  }
  return out;
}

/** The trace of one layer: channel `switchboard:<layer>`, text when `DEBUG` names it. */
export function tracer(layer: string): Trace {
  const name = `switchboard:${layer}`;
  const events = channel(name);
  const print = debugEnabled(name);
  const trace = (event: string, details: Record<string, unknown> = {}): void => {
    if (events.hasSubscribers) events.publish({ event, ...details });
    if (print) process.stderr.write(format("%s %s%s\n", name, event, describe(details)));
  };
  return Object.defineProperty(trace, "active", {
    get: () => print || events.hasSubscribers,
  }) as Trace;
}

/** The engine's events: handshakes, refusals, upgrades, closes, session states, ... */
export const trace = tracer("engine");
