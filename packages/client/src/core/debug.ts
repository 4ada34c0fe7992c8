/**
 * Namespaced debug logging, off by default. Turn it on with `DEBUG=switchboard:*` (Node) or
 * `localStorage.debug = "switchboard:*"` (browsers), or route it anywhere with
 * {@link setDebugSink}. Each line names the layer (`switchboard:engine`, `switchboard:manager`, …)
 * so a user can see why a connection fell back or closed. The minified browser bundle leaves
 * logging out, as socket.io.min.js does.
 */

/** Receives every debug line: its namespace and its arguments. */
export type DebugSink = (namespace: string, ...args: unknown[]) => void;

let sink: DebugSink | undefined;
let pattern: RegExp | undefined;
let configured = false;

function readSetting(): string | undefined {
  const g = globalThis as {
    process?: { env?: Record<string, string | undefined> };
    localStorage?: { getItem(key: string): string | null };
  };
  try {
    return g.process?.env?.DEBUG ?? g.localStorage?.getItem("debug") ?? undefined;
  } catch {
    return undefined; // localStorage may throw in sandboxed frames
  }
}

function configure(): void {
  configured = true;
  const setting = readSetting();
  if (!setting) return;
  const alternatives = setting
    .split(/[\s,]+/)
    .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*"));
  pattern = new RegExp(`^(${alternatives.join("|")})$`);
  sink = (ns, ...args) => console.debug(ns, ...args);
}

/** Sends debug lines to `fn` (all namespaces), or stops with `undefined`. */
export function setDebugSink(fn: DebugSink | undefined): void {
  configured = true;
  sink = fn;
  pattern = undefined;
}

/** A logger for one namespace. */
export function createDebug(namespace: string): (...args: unknown[]) => void {
  const ns = `switchboard:${namespace}`;
  return (...args) => {
    if (!configured) configure();
    if (sink && (!pattern || pattern.test(ns))) sink(ns, ...args);
  };
}
