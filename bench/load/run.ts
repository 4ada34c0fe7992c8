/**
 * Side-by-side load benchmark: Switchboard's server, the official socket.io 4.8 server and a
 * bare ws server, each in its own child process on its own core, under the same load from this
 * process, which speaks the Engine.IO v4 / Socket.IO v5 wire protocol itself over raw `ws`
 * connections and raw HTTP. See bench/load/README.md.
 *
 * Run: node --conditions=source --import tsx bench/load/run.ts [--quick] [--only=a,b]
 *      [--targets=socket.io,ws,switchboard,switchboard+metrics] [--json[=FILE]]
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, resolve } from "node:path";
import { type Config, parseArgs, type ScenarioName } from "./lib/config.ts";
import type { TargetName } from "./lib/ipc.ts";
import { probe } from "./lib/probe.ts";
import {
  formatNumber,
  renderNotes,
  renderTable,
  type ScenarioResult,
  type TargetOutcome,
} from "./lib/report.ts";
import { bestOf, type Scenario } from "./lib/scenario.ts";
import { HARNESS_CPU, pin, SERVER_CPU, startServer } from "./lib/server-handle.ts";
import { broadcast } from "./scenarios/broadcast.ts";
import { bundleSizes } from "./scenarios/bundle.ts";
import {
  type ClientBrowserResult,
  clientBrowser,
  renderClientBrowser,
} from "./scenarios/client-browser.ts";
import { type ClientNodeResult, clientNode, renderClientNode } from "./scenarios/client-node.ts";
import { clusterBroadcast } from "./scenarios/cluster.ts";
import { connect } from "./scenarios/connect.ts";
import { echo } from "./scenarios/echo.ts";
import { memory } from "./scenarios/memory.ts";
import { polling } from "./scenarios/polling.ts";
import { recovery } from "./scenarios/recovery.ts";

const repoRoot = resolve(import.meta.dirname, "..", "..");
/** Scenarios that measure servers under the load generator (the others: bundle, clients). */
type LoadScenarioName = Exclude<
  ScenarioName,
  "bundle" | "cluster" | "client-node" | "client-browser" | "recovery"
>;
const LOAD_SCENARIOS: Readonly<Record<LoadScenarioName, Scenario>> = {
  echo,
  broadcast,
  polling,
  connect,
  memory,
};
/** A scenario that runs longer than this on one target is abandoned (its server killed). */
const SCENARIO_TIMEOUT_MS = 60_000;
/** The whole run never takes longer than this. */
const RUN_TIMEOUT_MS = 15 * 60_000;

/** The open-files limit this process has (Node raises its soft limit to the hard one at start). */
function fdLimit(): number {
  const out = execFileSync("sh", ["-c", "ulimit -n"], { encoding: "utf8" }).trim();
  return out === "unlimited" ? Number.POSITIVE_INFINITY : Number(out);
}

/**
 * Makes sure both processes may open the memory scenario's sockets (one fd per client on each
 * side, plus slack); with a lower limit (`ulimit -Hn`), runs it with fewer clients and says so.
 */
function ensureFdLimit(config: Config): Config {
  const limit = fdLimit();
  if (limit >= config.memory.clients + 1000) return config;
  const clients = Math.max(100, limit - 1000);
  console.log(
    `ulimit -n is ${limit}: idle memory runs with ${clients} clients, not ${config.memory.clients}`,
  );
  return { ...config, memory: { ...config.memory, clients } };
}

function machine(): Record<string, string> {
  let model = cpus()[0]?.model ?? "unknown";
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8")
      .split("\n")
      .find((l) => l.startsWith("model name"));
    if (line) model = line.split(":")[1]?.trim() ?? model;
  } catch {}
  let commit = "unknown";
  try {
    const git = ["-C", repoRoot, "rev-parse", "--short", "HEAD"];
    commit = execFileSync("git", git, {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {}
  return {
    commit,
    date: new Date().toISOString(),
    nproc: String(cpus().length),
    cpu: model,
    node: process.version,
    loadavg: loadAverage(),
  };
}

/** The 1, 5 and 15 minute load averages, as "0.52 0.61 0.70". */
function loadAverage(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function runOne(
  scenario: Scenario,
  target: TargetName,
  config: Config,
): Promise<TargetOutcome> {
  const skip = scenario.notApplicable?.[target];
  if (skip) return { ok: false, reason: skip };
  const started = await startServer(target, undefined, `${scenario.name}-${target}`);
  if (!started.ok) return { ok: false, reason: `server did not start: ${started.reason}` };
  const server = started.handle;
  try {
    const kind = target === "ws" ? "raw" : "sio";
    const work = scenario.run({ target, server, kind, config });
    const { values, note } = await withTimeout(work, SCENARIO_TIMEOUT_MS, scenario.name);
    return note === undefined ? { ok: true, values } : { ok: true, values, note };
  } catch (error) {
    return {
      ok: false,
      reason: `failed: ${error instanceof Error ? error.message : String(error)}`,
    };
  } finally {
    await server.stop();
  }
}

/**
 * Best figures over the rounds of one target (a failed round fails the target: a scenario that
 * breaks once is a finding, not noise). The note is the one of the round with the best first
 * metric.
 */
function bestOutcome(scenario: Scenario, list: readonly TargetOutcome[]): TargetOutcome {
  const failed = list.find((o) => !o.ok);
  if (failed) return failed;
  const ok = list.filter((o) => o.ok);
  const values = bestOf(
    scenario.metrics,
    ok.map((o) => o.values),
  );
  const primary = scenario.metrics[0]?.key ?? "";
  const lead = ok.find((o) => o.values[primary] === values[primary]);
  return lead?.note === undefined ? { ok: true, values } : { ok: true, values, note: lead.note };
}

function progress(
  scenario: Scenario,
  target: TargetName,
  outcome: TargetOutcome,
  round: number | undefined,
): string {
  const label = `  ${scenario.name} / ${target}${round === undefined ? "" : ` #${round}`}`;
  if (!outcome.ok) return `${label}: ${outcome.reason}`;
  const figures = scenario.metrics
    .map((m) => `${formatNumber(outcome.values[m.key] ?? Number.NaN)} ${m.label}`)
    .join(", ");
  return `${label}: ${figures}${outcome.note ? ` (${outcome.note})` : ""}`;
}

async function main(): Promise<void> {
  setTimeout(() => {
    console.error(`bench/load: gave up after ${RUN_TIMEOUT_MS / 1000} s`);
    process.exit(2);
  }, RUN_TIMEOUT_MS).unref();
  let options: ReturnType<typeof parseArgs>;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(64);
  }
  const host = machine();
  const config = options.only.includes("memory") ? ensureFdLimit(options.config) : options.config;
  const pinned = pin(process.pid, HARNESS_CPU);
  console.log(
    `bench/load ${config.quick ? "--quick " : ""}| ${host.date} | nproc ${host.nproc} | ${host.cpu} | node ${host.node} | load average ${host.loadavg}`,
  );
  console.log(`tree at commit ${host.commit} (plus any uncommitted changes)`);
  console.log(
    pinned
      ? `load generator on cpu ${HARNESS_CPU}, each server on cpu ${SERVER_CPU} (taskset)`
      : "taskset unavailable: processes are not pinned to cores",
  );

  const targets = [...options.targets];
  let switchboardUp = false;
  let switchboardDown = "";
  const loadScenarios = options.only.some((name) => name in LOAD_SCENARIOS);
  if (loadScenarios && targets.includes("switchboard")) {
    const reason = await probe("switchboard", config.handshakeTimeoutMs);
    switchboardUp = reason === undefined;
    switchboardDown = reason ?? "";
    if (!switchboardUp) {
      console.log(`switchboard: not available yet (${reason}); measuring socket.io and ws only`);
      targets.splice(targets.indexOf("switchboard"), 1);
    }
  }

  if (options.sbBundle) process.env.BENCH_SB_BUNDLE = resolve(options.sbBundle);
  if (options.sbClient) process.env.BENCH_SB_CLIENT = resolve(options.sbClient);
  if (options.sbExtra) {
    process.env.BENCH_SB_EXTRA = options.sbExtra
      .split(",")
      .map((e) => `${e.slice(0, e.indexOf("="))}=${resolve(e.slice(e.indexOf("=") + 1))}`)
      .join(",");
  }
  const results: ScenarioResult[] = [];
  let nodeClients: ClientNodeResult | undefined;
  let browserClients: ClientBrowserResult | undefined;
  for (const name of options.only) {
    if (name === "bundle") {
      results.push(bundleSizes(options.targets));
      continue;
    }
    if (name === "cluster") {
      console.log("Cluster broadcast: 2 servers on one redis-server, clients split between them");
      results.push(await withTimeout(clusterBroadcast(config, options.targets), 5 * 60_000, name));
      continue;
    }
    if (name === "client-node") {
      console.log("Node clients: 50 sockets x 4 acks in flight, client process on one core");
      nodeClients = await withTimeout(clientNode(config), 5 * 60_000, name);
      continue;
    }
    if (name === "recovery") {
      console.log("Recovery on the Redis Streams adapters: clients whose node goes away");
      results.push(...(await withTimeout(recovery(config, options.targets), 6 * 60_000, name)));
      continue;
    }
    if (name === "client-browser") {
      console.log("Chromium clients: one page, one socket, 4 acks in flight");
      // Two and a half minutes per round (the default two rounds: five).
      const ms = config.clientBrowser.rounds * 150_000;
      browserClients = await withTimeout(clientBrowser(config), ms, name);
      continue;
    }
    const scenario = LOAD_SCENARIOS[name];
    const rounds = scenario.singleRound ? 1 : config.measure.rounds;
    console.log(`${scenario.title}`);
    const runs = new Map<TargetName, TargetOutcome[]>();
    for (let round = 1; round <= rounds; round++) {
      // Each round starts one target later, so that no target always runs first or last.
      const order = targets.map((_, i) => targets[(i + round - 1) % targets.length]!);
      for (const target of order) {
        const outcome = await runOne(scenario, target, config);
        console.log(progress(scenario, target, outcome, rounds > 1 ? round : undefined));
        runs.set(target, [...(runs.get(target) ?? []), outcome]);
      }
    }
    const outcomes: Partial<Record<TargetName, TargetOutcome>> = {};
    for (const [target, list] of runs) outcomes[target] = bestOutcome(scenario, list);
    if (options.targets.includes("switchboard") && !switchboardUp) {
      outcomes.switchboard = { ok: false, reason: "not available yet" };
    }
    results.push({ scenario: name, title: scenario.title, metrics: scenario.metrics, outcomes });
  }

  host.loadavgAfter = loadAverage();
  console.log(
    `\nload average at the end: ${host.loadavgAfter} (other work on the machine skews wall-clock rates)`,
  );
  console.log("");
  if (results.length > 0) console.log(renderTable(results, switchboardUp || !loadScenarios));
  if (nodeClients) console.log(`\nNode clients:\n\n${renderClientNode(nodeClients)}`);
  if (browserClients) console.log(`\nChromium clients:\n\n${renderClientBrowser(browserClients)}`);
  const notes = renderNotes(results).filter((n) => !n.endsWith(": not available yet"));
  if (loadScenarios && !switchboardUp && options.targets.includes("switchboard")) {
    notes.unshift(`switchboard: not available yet (${switchboardDown})`);
  }
  if (notes.length > 0) console.log(`\n${notes.map((n) => `- ${n}`).join("\n")}`);
  if (options.json) {
    const file = resolve(options.json);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(
      file,
      `${JSON.stringify({ host, config, switchboardUp, results, nodeClients, browserClients }, null, 2)}\n`,
    );
    console.log(`\nresults written to ${file}`);
  }
}

await main();
process.exit(0);
