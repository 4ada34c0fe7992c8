/**
 * Runs a module script in a child Node process as the test runner runs code (sources through
 * tsx), with the given `DEBUG` setting: for tests of what diagnostics print on stderr.
 */
import { type SpawnSyncReturns, spawnSync } from "node:child_process";

/** Runs `script` (an ES module) from `cwd` with `DEBUG` set; returns its status and output. */
export function runWithDebug(script: string, DEBUG: string, cwd: string): SpawnSyncReturns<string> {
  return spawnSync(
    process.execPath,
    ["--conditions=source", "--import", "tsx", "--input-type=module", "-e", script],
    { cwd, encoding: "utf8", env: { ...process.env, DEBUG } },
  );
}
