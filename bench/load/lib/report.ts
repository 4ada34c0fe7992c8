/**
 * Results and the table: one row per metric, one column per target, then the ratios.
 */
import { ALL_TARGETS, TARGETS, type TargetName } from "./ipc.ts";

/** One figure a scenario measures. */
export interface MetricDef {
  readonly key: string;
  readonly label: string;
  readonly better: "higher" | "lower";
  /** The issue's goal for switchboard/socket.io, e.g. 1.5 (higher) or 0.6 (lower). */
  readonly goal?: number;
}

/** A scenario's outcome on one target: figures, or why there are none. */
export type TargetOutcome =
  | { readonly ok: true; readonly values: Readonly<Record<string, number>>; readonly note?: string }
  | { readonly ok: false; readonly reason: string };

/** A scenario's outcomes on all targets. */
export interface ScenarioResult {
  readonly scenario: string;
  readonly title: string;
  readonly metrics: readonly MetricDef[];
  readonly outcomes: Partial<Record<TargetName, TargetOutcome>>;
}

/** The p-th percentile (0..100) of a sample, nearest-rank; NaN for an empty sample. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

/** A sample that grows without copying per push (latencies in ms). */
export class Sample {
  #data = new Float64Array(1024);
  #length = 0;

  push(value: number): void {
    if (this.#length === this.#data.length) {
      const grown = new Float64Array(this.#data.length * 2);
      grown.set(this.#data);
      this.#data = grown;
    }
    this.#data[this.#length++] = value;
  }

  get length(): number {
    return this.#length;
  }

  /** A sorted copy. */
  sorted(): Float64Array {
    return this.#data.slice(0, this.#length).sort();
  }
}

/** Figures with a sensible number of digits: 123,456 / 123 / 12.3 / 1.23. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return "-";
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString("en-US");
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function ratio(result: ScenarioResult, key: string, a: TargetName, b: TargetName): number {
  const x = result.outcomes[a];
  const y = result.outcomes[b];
  if (!x?.ok || !y?.ok) return Number.NaN;
  const vx = x.values[key];
  const vy = y.values[key];
  return vx === undefined || vy === undefined || vy === 0 ? Number.NaN : vx / vy;
}

function cell(outcome: TargetOutcome | undefined, key: string): string {
  if (!outcome) return "-";
  if (!outcome.ok) return "n/a";
  const v = outcome.values[key];
  return v === undefined ? "n/a" : formatNumber(v);
}

/**
 * Renders the table as aligned plain text (also valid Markdown). Ratio columns: switchboard over
 * socket.io and over ws (with the issue's goal) when any switchboard figure exists, and
 * socket.io over ws while the switchboard server is not available.
 */
export function renderTable(results: readonly ScenarioResult[], switchboardUp: boolean): string {
  const withSb = results.some((r) => r.outcomes.switchboard?.ok);
  const withMetrics = results.some((r) => r.outcomes["switchboard+metrics"]?.ok);
  const columns = withMetrics ? ALL_TARGETS : TARGETS;
  const header = ["scenario", "metric", ...columns];
  if (withSb) header.push("sb/sio", "sb/ws", "goal sb/sio");
  if (withMetrics) header.push("metrics on/off");
  if (!switchboardUp) header.push("sio/ws");
  const rows: string[][] = [];
  for (const result of results) {
    for (const metric of result.metrics) {
      const row = [result.scenario, `${metric.label} (${metric.better} is better)`];
      for (const t of columns) row.push(cell(result.outcomes[t], metric.key));
      const fmtRatio = (r: number): string => (Number.isFinite(r) ? `${r.toFixed(2)}x` : "-");
      if (withSb) {
        const sbSio = ratio(result, metric.key, "switchboard", "socket.io");
        row.push(fmtRatio(sbSio), fmtRatio(ratio(result, metric.key, "switchboard", "ws")));
        if (metric.goal === undefined) row.push("");
        else {
          const sign = metric.better === "higher" ? ">=" : "<=";
          const met = metric.better === "higher" ? sbSio >= metric.goal : sbSio <= metric.goal;
          const verdict = Number.isFinite(sbSio) ? (met ? " met" : " MISSED") : "";
          row.push(`${sign}${metric.goal}x${verdict}`);
        }
      }
      if (withMetrics) {
        row.push(fmtRatio(ratio(result, metric.key, "switchboard+metrics", "switchboard")));
      }
      if (!switchboardUp) row.push(fmtRatio(ratio(result, metric.key, "socket.io", "ws")));
      rows.push(row);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i < 2 ? `${"-".repeat(w + 1)}-` : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}

/** One line per target that has no figures, or a note, in a scenario. */
export function renderNotes(results: readonly ScenarioResult[]): string[] {
  const notes: string[] = [];
  for (const result of results) {
    for (const t of ALL_TARGETS) {
      const o = result.outcomes[t];
      if (o && !o.ok) notes.push(`${result.scenario} / ${t}: ${o.reason}`);
      else if (o?.ok && o.note) notes.push(`${result.scenario} / ${t}: ${o.note}`);
    }
  }
  return notes;
}
