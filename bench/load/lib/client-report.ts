/** Rounds and tables of the client scenarios (client-node, client-browser). */
import { formatNumber } from "./report.ts";

/** One row of a client table: its libraries' best figures so far, or why one failed. */
export interface ClientRow<Row, F> {
  readonly row: Row;
  readonly figures: Partial<Record<string, F | string>>;
}

/**
 * Measures every library of every row, `rounds` times (rounds alternate which library goes
 * first), keeping for each its best figures (`better` merges two) and printing each run; a
 * library that fails once keeps the failure: a finding, not noise.
 */
export async function runRounds<Row extends { readonly libs: readonly string[] }, F>(
  rows: readonly ClientRow<Row, F>[],
  rounds: number,
  measure: (row: Row, lib: string) => Promise<F>,
  label: (row: Row, lib: string) => string,
  show: (f: F) => string,
  better: (a: F, b: F) => F,
): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    for (const entry of rows) {
      const libs = round % 2 === 0 ? entry.row.libs : [...entry.row.libs].reverse();
      for (const lib of libs) {
        const name = `  ${label(entry.row, lib)} #${round + 1}`;
        const previous = entry.figures[lib];
        if (typeof previous === "string") continue;
        try {
          const f = await measure(entry.row, lib);
          console.log(`${name}: ${show(f)}`);
          entry.figures[lib] = previous ? better(previous, f) : f;
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          console.log(`${name}: failed: ${reason}`);
          entry.figures[lib] = `failed: ${reason}`;
        }
      }
    }
  }
}

/** A figure of one library on one row: "–" when it has none there, "n/a" when it failed. */
export function figureCell<F extends object>(f: F | string | undefined, key: keyof F): string {
  if (f === undefined) return "–";
  return typeof f === "string" ? "n/a" : formatNumber(f[key] as number);
}

/** A Markdown table, first two columns left-aligned, the others right-aligned. */
export function markdownTable(head: readonly string[], lines: readonly string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i < 2 ? `${"-".repeat(w + 2)}` : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [line(head), rule, ...lines.map(line)].join("\n");
}
