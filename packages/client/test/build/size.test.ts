/** The size check: the bundle is within budget, and the check fails a build past it. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "sb-size-"));
const out = join(dir, "switchboard.min.js");
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ["scripts/bundle.mjs", "--out", out, ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, ...env },
  });

before(() => {
  assert.equal(run(["--no-size-check"]).status, 0);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("the bundle is within its 10,800-byte min+gzip budget", () => {
  const result = run(["--check-only"]);
  assert.equal(result.status, 0, result.stderr);
  const bytes = Number(/(\d+) bytes min\+gzip/.exec(result.stdout)?.[1]);
  assert.ok(bytes > 0 && bytes <= 10_800, `${bytes} bytes`);
});

test("past the budget the check fails the build and says who grew", () => {
  const result = run(["--check-only"], { SB_BUDGET: "5000" });
  assert.equal(result.status, 1);
  assert.match(result.stderr, /OVER BUDGET/);
  assert.match(result.stderr, /@switchboard\/protocol alone: ~\d+ bytes/);
});
