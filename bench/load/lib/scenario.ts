/** The shape every load scenario has. */
import type { Config, Measure, ScenarioName } from "./config.ts";
import type { TargetName } from "./ipc.ts";
import type { MetricDef, Sample } from "./report.ts";
import type { ServerHandle } from "./server-handle.ts";
import { delay, now, type WireKind } from "./wire.ts";

/** What a scenario gets for one target: a fresh server child and the budgets. */
export interface ScenarioContext {
  readonly target: TargetName;
  readonly server: ServerHandle;
  /** "sio" for socket.io and Switchboard, "raw" for bare ws. */
  readonly kind: WireKind;
  readonly config: Config;
}

/** A scenario run against each target in turn, each time on a fresh server process. */
export interface Scenario {
  readonly name: ScenarioName;
  readonly title: string;
  readonly metrics: readonly MetricDef[];
  /** Targets this scenario does not apply to, with the reason (e.g. bare ws has no polling). */
  readonly notApplicable?: Partial<Record<TargetName, string>>;
  /** Run once, not once per round (figures that CPU noise does not move). */
  readonly singleRound?: boolean;
  /** Measures; the values are keyed by MetricDef.key. May add a note for the table. */
  run(ctx: ScenarioContext): Promise<ScenarioRun>;
}

/** What one run of a scenario on one target gives. */
export interface ScenarioRun {
  readonly values: Record<string, number>;
  readonly note?: string | undefined;
}

/** Server CPU time (user + system, µs) between two stats snapshots. */
export function cpuMicros(
  before: { cpu: { user: number; system: number } },
  after: { cpu: { user: number; system: number } },
): number {
  return after.cpu.user + after.cpu.system - (before.cpu.user + before.cpu.system);
}

/** What a scenario counted since the previous `take()`; taking resets the counters. */
export interface Tally {
  readonly count: number;
  readonly latencies: Sample;
}

/** One measurement window: wall time, operations done, CPU of each process. */
export interface WindowFigures {
  readonly ms: number;
  readonly count: number;
  readonly latencies: Float64Array;
  readonly serverMicros: number;
  readonly harnessMicros: number;
}

/**
 * Runs the warm-up and then `windows` back-to-back windows, asking the server for its CPU time
 * at each boundary. `take` is called at each boundary and must return what was counted since
 * its previous call, then start counting afresh.
 */
export async function measureWindows(
  server: ServerHandle,
  measure: Measure,
  take: () => Tally,
): Promise<WindowFigures[]> {
  await delay(measure.warmupMs);
  const figures: WindowFigures[] = [];
  let before = await server.stats();
  let harness = process.cpuUsage();
  take();
  let start = now();
  for (let i = 0; i < measure.windows; i++) {
    await delay(measure.windowMs);
    const end = now();
    const { count, latencies } = take();
    const after = await server.stats();
    const harnessUsed = process.cpuUsage(harness);
    harness = process.cpuUsage();
    figures.push({
      ms: end - start,
      count,
      latencies: latencies.sorted(),
      serverMicros: cpuMicros(before, after),
      harnessMicros: harnessUsed.user + harnessUsed.system,
    });
    before = after;
    start = end;
  }
  return figures;
}

/** Operations per second in a window. */
export const ratePerSecond = (w: WindowFigures): number => w.count / (w.ms / 1000);

/** Server CPU µs per operation in a window. */
export const cpuPerOp = (w: WindowFigures): number => w.serverMicros / w.count;

/** "server core 97% busy, load generator core 64% busy" for one window. */
export function busyNote(w: WindowFigures): string {
  const pct = (micros: number): number => Math.round((micros / (w.ms * 1000)) * 100);
  return `server core ${pct(w.serverMicros)}% busy, load generator core ${pct(w.harnessMicros)}% busy`;
}

/**
 * The best value of each metric over a set of measurements (max where higher is better, min
 * where lower is better). Measurements without a metric are skipped.
 */
export function bestOf(
  metrics: readonly MetricDef[],
  runs: readonly Readonly<Record<string, number>>[],
): Record<string, number> {
  const best: Record<string, number> = {};
  for (const metric of metrics) {
    const values = runs.map((r) => r[metric.key]).filter((v): v is number => Number.isFinite(v));
    if (values.length === 0) continue;
    best[metric.key] = metric.better === "higher" ? Math.max(...values) : Math.min(...values);
  }
  return best;
}

/**
 * Turns windows into the scenario's result: per window, `figures` gives the metric values;
 * the result holds the best of each, and the busy note of the window with the best first metric.
 */
export function summarize(
  metrics: readonly MetricDef[],
  windows: readonly WindowFigures[],
  figures: (w: WindowFigures) => Record<string, number>,
): ScenarioRun {
  const perWindow = windows.filter((w) => w.count > 0).map((w) => ({ w, values: figures(w) }));
  if (perWindow.length === 0) throw new Error("nothing completed in any measurement window");
  const values = bestOf(
    metrics,
    perWindow.map((p) => p.values),
  );
  const primary = metrics[0]?.key ?? "";
  const lead = perWindow.find((p) => p.values[primary] === values[primary]) ?? perWindow[0]!;
  return { values, note: busyNote(lead.w) };
}
