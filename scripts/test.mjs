#!/usr/bin/env node
// Runs every test file with Node's test runner, TypeScript through tsx, workspace packages
// resolved to their sources (the "source" export condition), after making sure the system
// packages that some suites drive (a real browser, a real proxy, python-socketio) are installed.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;

/** True when Debian's python (not a pyenv or venv one) imports every module named. */
const pythonHas =
  (...modules) =>
  () =>
    existsSync("/usr/bin/python3") &&
    spawnSync("/usr/bin/python3", ["-c", `import ${modules.join(", ")}`], { stdio: "ignore" })
      .status === 0;

/** Suites (by path prefix), the Debian packages they need, and how to tell they are there. */
const systemNeeds = [
  { prefix: "packages/client/test/browser", pkg: "chromium", present: has("/usr/bin/chromium") },
  { prefix: "test/e2e/browser", pkg: "chromium", present: has("/usr/bin/chromium") },
  { prefix: "test/e2e/nginx", pkg: "nginx", present: has("/usr/sbin/nginx") },
  { prefix: "test/e2e/nginx/cluster-chat", pkg: "chromium", present: has("/usr/bin/chromium") },
  {
    prefix: "test/e2e/nginx/cluster",
    pkg: "redis-server",
    present: has("/usr/bin/redis-server"),
  },
  { prefix: "packages/redis-adapter", pkg: "redis-server", present: has("/usr/bin/redis-server") },
  {
    prefix: "packages/redis-streams-adapter",
    pkg: "redis-server",
    present: has("/usr/bin/redis-server"),
  },
  {
    prefix: "test/e2e/python",
    pkg: "python3-socketio python3-aiohttp",
    present: pythonHas("socketio", "aiohttp"),
  },
];

function has(bin) {
  return () => existsSync(bin);
}

function findTests(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "dist") continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (name.endsWith(".test.ts")) out.push(relative(root, path));
  }
  return out;
}

function ensureSystemPackages(files) {
  const missing = systemNeeds.filter(
    (need) => files.some((f) => f.startsWith(need.prefix)) && !need.present(),
  );
  if (missing.length === 0) return;
  const pkgs = [...new Set(missing.flatMap((m) => m.pkg.split(" ")))];
  const canInstall = process.getuid?.() === 0 && existsSync("/usr/bin/apt-get");
  if (!canInstall) {
    console.error(`These tests need system packages that are missing: ${pkgs.join(" ")}`);
    console.error(`Install them first, e.g.: sudo apt-get install -y ${pkgs.join(" ")}`);
    process.exit(1);
  }
  console.log(`Installing system packages: ${pkgs.join(" ")}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const update = spawnSync("apt-get", ["update"], { stdio: "inherit", env });
  const install = spawnSync("apt-get", ["install", "-y", "--no-install-recommends", ...pkgs], {
    stdio: "inherit",
    env,
  });
  if (update.status !== 0 || install.status !== 0 || missing.some((m) => !m.present())) {
    console.error(`Could not install ${pkgs.join(" ")}; install them and run the tests again.`);
    process.exit(1);
  }
}

const filters = process.argv.slice(2);
const all = [...findTests(join(root, "packages")), ...findTests(join(root, "test"))].sort();
const files = filters.length ? all.filter((f) => filters.some((x) => f.includes(x))) : all;
if (files.length === 0) {
  console.error("No test files matched.");
  process.exit(1);
}
ensureSystemPackages(files);
const result = spawnSync(
  process.execPath,
  [
    "--conditions=source",
    "--import",
    "tsx",
    "--test",
    "--test-concurrency=2",
    // A safety net, not a speed bound: a test whose wait is never satisfied fails after
    // 10 minutes with its name instead of hanging the whole run (tests with longer work set
    // their own timeout).
    "--test-timeout=600000",
    ...files,
  ],
  { stdio: "inherit", cwd: root },
);
process.exit(result.status ?? 1);
