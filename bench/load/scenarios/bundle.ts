/**
 * Client bundle size: the browser bundle each project ships, minified, then gzipped with
 * node:zlib at level 9. socket.io-client: dist/socket.io.min.js; Switchboard:
 * packages/client/dist/switchboard.min.js once the client package builds it. Bare ws has no
 * browser client (browsers have WebSocket built in).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { TargetName } from "../lib/ipc.ts";
import type { MetricDef, ScenarioResult, TargetOutcome } from "../lib/report.ts";

const repoRoot = join(import.meta.dirname, "..", "..", "..");

/** Bundle file per target, relative to the repository root. */
export const BUNDLES: Readonly<Record<Exclude<TargetName, "ws" | "switchboard+metrics">, string>> =
  Object.freeze({
    "socket.io": "node_modules/socket.io-client/dist/socket.io.min.js",
    switchboard: "packages/client/dist/switchboard.min.js",
  });

const METRICS: readonly MetricDef[] = [
  { key: "gzip", label: "client bundle min+gzip bytes", better: "lower" },
  { key: "min", label: "client bundle min bytes", better: "lower" },
];

function measure(file: string): TargetOutcome {
  const path = join(repoRoot, file);
  if (!existsSync(path)) return { ok: false, reason: `${file} does not exist (not built yet)` };
  const bytes = readFileSync(path);
  return { ok: true, values: { min: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length } };
}

/** Measures both bundles (no server involved). */
export function bundleSizes(targets: readonly TargetName[]): ScenarioResult {
  const outcomes: Partial<Record<TargetName, TargetOutcome>> = {};
  for (const target of targets) {
    outcomes[target] =
      target === "ws"
        ? { ok: false, reason: "no client bundle (browsers have WebSocket built in)" }
        : target === "switchboard+metrics"
          ? { ok: false, reason: "the same bundle as switchboard" }
          : measure(BUNDLES[target]);
  }
  return { scenario: "bundle", title: "Client bundle", metrics: METRICS, outcomes };
}
