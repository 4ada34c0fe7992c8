/** The shape every load scenario has. */
import type { Config, ScenarioName } from "./config.ts";
import type { TargetName } from "./ipc.ts";
import type { MetricDef } from "./report.ts";
import type { ServerHandle } from "./server-handle.ts";
import type { WireKind } from "./wire.ts";

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
  /** Measures; the values are keyed by MetricDef.key. May add a note for the table. */
  run(ctx: ScenarioContext): Promise<{ values: Record<string, number>; note?: string }>;
}

/** Server CPU time (user + system, µs) between two stats snapshots. */
export function cpuMicros(
  before: { cpu: { user: number; system: number } },
  after: { cpu: { user: number; system: number } },
): number {
  return after.cpu.user + after.cpu.system - (before.cpu.user + before.cpu.system);
}
