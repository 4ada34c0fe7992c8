/**
 * Command-line flags and the fixed budgets of every scenario (full run and `--quick`).
 * Every loop in the benchmark is bounded by one of these counts or windows.
 */
import { ALL_TARGETS, TARGETS, type TargetName } from "./ipc.ts";

/** Scenario names, as accepted by `--only=`. */
export const SCENARIOS = [
  "echo",
  "broadcast",
  "polling",
  "connect",
  "memory",
  "bundle",
  "cluster",
  "client-node",
  "client-browser",
  "recovery",
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/**
 * How throughput scenarios measure: after a warm-up, `windows` back-to-back windows of
 * `windowMs` on one server process; the whole thing `rounds` times, each round going over all
 * targets in turn on fresh server processes, starting one target later each round. Every figure is the best over all windows of all
 * rounds: on a shared 2-core machine, other work only ever makes a window look worse, and
 * interleaved rounds keep a burst of it from landing on one target alone.
 */
export interface Measure {
  readonly warmupMs: number;
  readonly windows: number;
  readonly windowMs: number;
  readonly rounds: number;
}

/** Budgets for one run. */
export interface Config {
  readonly quick: boolean;
  readonly measure: Measure;
  readonly echo: {
    readonly clients: number;
    readonly inFlight: number;
    readonly payloadBytes: number;
  };
  readonly broadcast: {
    readonly clients: number;
    /** Broadcasts in flight: the sender waits while more than this many are undelivered. */
    readonly window: number;
    readonly payloadBytes: number;
  };
  readonly polling: {
    readonly clients: number;
    readonly payloadBytes: number;
  };
  readonly connect: {
    /** Handshakes in flight at any time. */
    readonly concurrency: number;
  };
  readonly memory: {
    readonly clients: number;
    /** Handshakes in flight while the idle clients connect. */
    readonly concurrency: number;
    readonly settleMs: number;
  };
  /** The Node client scenario: client libraries compared against one server. */
  readonly clientNode: Measure & {
    readonly clients: number;
    readonly inFlight: number;
    readonly payloadBytes: number;
  };
  /** The Chromium scenario: one page, one socket, `inFlight` acks in flight. */
  readonly clientBrowser: Measure & {
    readonly inFlight: number;
    readonly payloadBytes: number;
    /** Only the rows of these transports (`--browser-transports=`); all when absent. */
    readonly transports?: readonly string[];
  };
  /** Handshakes in flight while a scenario opens its clients. */
  readonly setupConcurrency: number;
  /** Longest wait for one handshake before the scenario fails. */
  readonly handshakeTimeoutMs: number;
  /** Longest wait for in-flight messages after the last window. */
  readonly drainMs: number;
}

const FULL: Config = Object.freeze({
  quick: false,
  measure: { warmupMs: 500, windows: 3, windowMs: 1000, rounds: 3 },
  echo: { clients: 100, inFlight: 4, payloadBytes: 64 },
  broadcast: { clients: 1000, window: 8, payloadBytes: 64 },
  polling: { clients: 50, payloadBytes: 64 },
  connect: { concurrency: 50 },
  memory: { clients: 5000, concurrency: 100, settleMs: 500 },
  clientNode: {
    clients: 50,
    inFlight: 4,
    payloadBytes: 64,
    warmupMs: 1000,
    windows: 3,
    windowMs: 1000,
    rounds: 3,
  },
  clientBrowser: {
    inFlight: 4,
    payloadBytes: 64,
    warmupMs: 1000,
    windows: 3,
    windowMs: 1000,
    rounds: 2,
  },
  setupConcurrency: 100,
  handshakeTimeoutMs: 10_000,
  drainMs: 2000,
});

const QUICK: Config = Object.freeze({
  quick: true,
  measure: { warmupMs: 300, windows: 1, windowMs: 500, rounds: 1 },
  echo: { clients: 100, inFlight: 4, payloadBytes: 64 },
  broadcast: { clients: 200, window: 8, payloadBytes: 64 },
  polling: { clients: 20, payloadBytes: 64 },
  connect: { concurrency: 20 },
  memory: { clients: 300, concurrency: 100, settleMs: 100 },
  clientNode: {
    clients: 50,
    inFlight: 4,
    payloadBytes: 64,
    warmupMs: 300,
    windows: 1,
    windowMs: 500,
    rounds: 1,
  },
  clientBrowser: {
    inFlight: 4,
    payloadBytes: 64,
    warmupMs: 300,
    windows: 1,
    windowMs: 500,
    rounds: 1,
  },
  setupConcurrency: 100,
  handshakeTimeoutMs: 5000,
  drainMs: 1000,
});

/** What the command line asked for. */
export interface Options {
  readonly config: Config;
  readonly only: readonly ScenarioName[];
  readonly targets: readonly TargetName[];
  /** File to write the results to as JSON, when `--json` is given. */
  readonly json: string | undefined;
  /** Switchboard browser bundle for the Chromium scenario (`--sb-bundle=FILE`), if not the build's. */
  readonly sbBundle: string | undefined;
  /** More Switchboard bundles for the Chromium scenario, "label=file,…" (`--sb-extra=`). */
  readonly sbExtra: string | undefined;
  /** Switchboard Node client for the Node client scenario (`--sb-client=FILE`, an index.node.js). */
  readonly sbClient: string | undefined;
}

/** Default file for `--json` without a value (.tmp/ is ignored by git). */
export const DEFAULT_JSON = ".tmp/bench-load.json";

/** The transports of the Chromium scenario's rows. */
export const BROWSER_TRANSPORTS = ["websocket", "polling", "sse", "jsonp", "htmlfile"] as const;

const USAGE = `usage: run.ts [--quick] [--only=${SCENARIOS.join(",")}] [--targets=${ALL_TARGETS.join(",")}] [--json[=FILE]] [--sb-bundle=FILE] [--sb-extra=LABEL=FILE,...] [--sb-client=FILE] [--browser-transports=${BROWSER_TRANSPORTS.join(",")}] [--browser-rounds=N]`;

function list<T extends string>(flag: string, value: string, allowed: readonly T[]): T[] {
  const items = value.split(",").filter((item) => item !== "");
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item)) {
      throw new Error(`${flag}: unknown "${item}" (one of ${allowed.join(", ")})\n${USAGE}`);
    }
  }
  return items as T[];
}

/** Parses argv (without node and the script); throws with the usage line on a bad flag. */
export function parseArgs(argv: readonly string[]): Options {
  let quick = false;
  let only: ScenarioName[] = [...SCENARIOS];
  let targets: TargetName[] = [...TARGETS];
  let json: string | undefined;
  let sbBundle: string | undefined;
  let sbClient: string | undefined;
  let sbExtra: string | undefined;
  let browserTransports: string[] | undefined;
  let browserRounds: number | undefined;
  for (const arg of argv) {
    const [flag = "", value] = arg.split("=", 2) as [string, string | undefined];
    if (flag === "--quick") quick = true;
    else if (flag === "--only" && value) only = list(flag, value, SCENARIOS);
    else if (flag === "--targets" && value) targets = list(flag, value, ALL_TARGETS);
    else if (flag === "--json") json = value || DEFAULT_JSON;
    else if (flag === "--sb-bundle" && value) sbBundle = value;
    else if (flag === "--sb-client" && value) sbClient = value;
    else if (flag === "--sb-extra" && value) sbExtra = arg.slice("--sb-extra=".length);
    else if (flag === "--browser-transports" && value) {
      browserTransports = list(flag, value, BROWSER_TRANSPORTS);
    } else if (
      flag === "--browser-rounds" &&
      value &&
      Number.isInteger(Number(value)) &&
      Number(value) > 0
    ) {
      browserRounds = Number(value);
    } else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  const base = quick ? QUICK : FULL;
  const config: Config = {
    ...base,
    clientBrowser: {
      ...base.clientBrowser,
      rounds: browserRounds ?? base.clientBrowser.rounds,
      transports: browserTransports,
    },
  };
  return { config, only, targets, json, sbBundle, sbClient, sbExtra };
}
