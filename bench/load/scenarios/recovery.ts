/**
 * Recovery scenario: connection state recovery of 1,000 clients whose node goes away, on the
 * Redis Streams adapters (Switchboard's, and Socket.IO 4.8's @socket.io/redis-streams-adapter
 * 0.3), same client library for both (socket.io-client 4.8 over WebSocket).
 *
 * Per target: a redis-server and two node processes (test/e2e/nginx/cluster-node.ts with
 * ADAPTER=streams, from the packages' build), all on the server core. The clients connect to a
 * TCP relay in this process that forwards to node A; each joins "all" and two of three rooms.
 * Node A broadcasts to "all" (so every client holds a recent offset), then the relay turns to
 * node B and A goes away, by `kill` (SIGKILL) or `stop` (SIGTERM: Switchboard drains,
 * Socket.IO closes, persisting its sessions). B broadcasts to the rooms while the clients are
 * away (packets to replay). Measured from A's end until every client is welcomed on B: the
 * wall time, and the CPU time (user + system, /proc/<pid>/stat) of B and of redis-server, per
 * recovered client; and how many came back without their session.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer, connect as tcpConnect } from "node:net";
import { join } from "node:path";
import { Redis } from "ioredis";
import { io, type Socket } from "socket.io-client";
import {
  CLUSTER_NODE_SCRIPT,
  linkNode,
  type NodeLink,
} from "../../../test/e2e/nginx/cluster-node-link.ts";
import { RedisServer } from "../../../test/support/redis-server.ts";
import type { Config } from "../lib/config.ts";
import type { TargetName } from "../lib/ipc.ts";
import type { MetricDef, ScenarioResult, TargetOutcome } from "../lib/report.ts";
import { bestOf } from "../lib/scenario.ts";
import { pin, SERVER_CPU } from "../lib/server-handle.ts";
import { delay, now } from "../lib/wire.ts";

const repoRoot = join(import.meta.dirname, "..", "..", "..");
/** Clock ticks per second of /proc/<pid>/stat's utime and stime (Linux: USER_HZ, 100). */
const TICKS_PER_SECOND = 100;
const ROOMS = ["r0", "r1", "r2"];
/** Broadcasts B sends to "all" while the clients are away (replayed to each). */
const MISSED = 3;
/** A run that has not recovered every client by then is abandoned. */
const RECOVERY_TIMEOUT_MS = 60_000;

const METRICS: readonly MetricDef[] = [
  { key: "cpu", label: "server CPU µs per recovered client", better: "lower", goal: 0.6 },
  { key: "ms", label: "ms until every client is back", better: "lower" },
  { key: "lost", label: "clients not recovered", better: "lower" },
];

type Mode = "kill" | "stop";

/** CPU time of a process so far, in µs (user + system of all its threads). */
function cpuOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // fields after the command name, which is in parentheses and may hold spaces
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1e6) / TICKS_PER_SECOND;
}

interface NodeChild extends NodeLink {
  readonly child: ChildProcess;
}

/** Directory for node B's CPU profile, when BENCH_CPU_PROF asks for one (see server-handle.ts). */
const profileDir = process.env.BENCH_CPU_PROF;

async function startNode(
  target: TargetName,
  tag: string,
  redisUrl: string,
  profile = false,
): Promise<NodeChild> {
  // no "source" condition: the packages' build, as the other server children
  const prof = profile && profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(process.execPath, [...prof, "--import", "tsx", CLUSTER_NODE_SCRIPT], {
    cwd: repoRoot,
    env: {
      ...process.env,
      TAG: tag,
      REDIS_URL: redisUrl,
      KIND: target === "socket.io" ? "socket.io" : "switchboard",
      ADAPTER: "streams",
    },
    stdio: ["pipe", "pipe", "inherit"],
  });
  if (child.pid !== undefined) pin(child.pid, SERVER_CPU);
  return { child, ...(await linkNode(child, tag)) };
}

/** A TCP relay to `target.port`, which can change; connections made before keep their node. */
async function relay(target: { port: number }) {
  const server = createServer((down) => {
    const up = tcpConnect(target.port, "127.0.0.1");
    down.pipe(up).pipe(down);
    const close = () => {
      down.destroy();
      up.destroy();
    };
    for (const s of [down, up]) s.on("error", close).on("close", close);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return server;
}

/** Opens `count` clients through the relay, `concurrency` at a time; resolves once all are welcomed. */
async function openClients(url: string, count: number, concurrency: number) {
  const clients: { socket: Socket; welcomes: { tag: string; recovered: boolean }[] }[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const socket = io(url, {
          forceNew: true,
          transports: ["websocket"],
          reconnectionDelay: 100,
          reconnectionDelayMax: 500,
          auth: { rooms: [ROOMS[i % 3], ROOMS[(i + 1) % 3]] },
        });
        const c = { socket, welcomes: [] as { tag: string; recovered: boolean }[] };
        socket.on("welcome", (tag: string, recovered: boolean) =>
          c.welcomes.push({ tag, recovered }),
        );
        clients.push(c);
        await new Promise<void>((resolve) => socket.once("welcome", () => resolve()));
      }
    }),
  );
  return clients;
}

/** One measurement: connect, end node A by `mode`, wait for every client on B. */
async function measureOne(
  target: TargetName,
  mode: Mode,
  count: number,
  concurrency: number,
): Promise<TargetOutcome> {
  const redis = await RedisServer.start();
  const nodes: NodeChild[] = [];
  const admin = new Redis(redis.url);
  const to = { port: 0 };
  const server = await relay(to);
  let clients: Awaited<ReturnType<typeof openClients>> = [];
  try {
    const redisPid = Number(/process_id:(\d+)/.exec(await admin.info("server"))?.[1]);
    pin(redisPid, SERVER_CPU);
    const [a, b] = [
      await startNode(target, "a", redis.url),
      await startNode(target, "b", redis.url, true),
    ];
    nodes.push(a, b);
    // both adapters subscribed: B is in the cluster before the clients come
    while (((await admin.pubsub("NUMSUB", "socket.io#/#")) as [string, number])[1] < 2) {
      await delay(20);
    }
    to.port = a.port;
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    clients = await openClients(url, count, concurrency);
    for (let i = 0; i < 3; i++)
      await a.control.timeout(10_000).emitWithAck("ctl:broadcast", `t${i}`);
    await delay(500); // records written, last offsets delivered
    to.port = b.port;
    const back = Promise.all(
      clients.map(
        (c) =>
          new Promise<void>((resolve) =>
            c.socket.on("welcome", (tag: string) => {
              if (tag === "b") resolve();
            }),
          ),
      ),
    );
    const [nodeBefore, redisBefore] = [cpuOf(b.child.pid!), cpuOf(redisPid)];
    const start = now();
    const ending = a.stop(mode === "kill" ? "SIGKILL" : "SIGTERM");
    for (let i = 0; i < MISSED; i++) {
      await b.control.timeout(10_000).emitWithAck("ctl:broadcast", `m${i}`);
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      back,
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error("not every client came back")),
          RECOVERY_TIMEOUT_MS,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    const ms = now() - start;
    const nodeCpu = cpuOf(b.child.pid!) - nodeBefore;
    const redisCpu = cpuOf(redisPid) - redisBefore;
    const cpu = nodeCpu + redisCpu;
    await ending;
    const recovered = clients.filter((c) => c.welcomes.at(-1)?.recovered === true).length;
    const values: Record<string, number> = { ms, lost: count - recovered };
    if (recovered > 0) values.cpu = cpu / recovered;
    return {
      ok: true,
      values,
      note: `${mode}: ${recovered} of ${count} recovered, CPU ${Math.round(nodeCpu / 1000)} ms node B + ${Math.round(redisCpu / 1000)} ms redis-server in ${Math.round(ms)} ms`,
    };
  } finally {
    for (const c of clients) c.socket.disconnect();
    // a profiled node exits by itself (SIGTERM), which writes its profile
    for (const n of nodes) await n.stop(profileDir && n === nodes[1] ? "SIGTERM" : "SIGKILL");
    server.close();
    admin.disconnect();
    await redis.close();
  }
}

/**
 * The recovery rows: for each way a node goes (killed, stopped), each target, best of
 * `rounds` runs (interleaved, one target later each round).
 */
export async function recovery(
  config: Config,
  targets: readonly TargetName[],
): Promise<ScenarioResult[]> {
  const count = config.quick ? 200 : 1000;
  const rounds = config.quick ? 1 : 2;
  const list = targets.filter((t) => t !== "ws");
  const results: ScenarioResult[] = [];
  for (const mode of ["kill", "stop"] as const) {
    const runs = new Map<TargetName, TargetOutcome[]>();
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < list.length; i++) {
        const target = list[(i + round) % list.length]!;
        let outcome: TargetOutcome;
        try {
          outcome = await measureOne(target, mode, count, config.setupConcurrency);
        } catch (error) {
          outcome = { ok: false, reason: error instanceof Error ? error.message : String(error) };
        }
        const shown = outcome.ok ? outcome.note : outcome.reason;
        console.log(`  recovery (${mode}) / ${target} #${round + 1}: ${shown}`);
        runs.set(target, [...(runs.get(target) ?? []), outcome]);
      }
    }
    const outcomes: Partial<Record<TargetName, TargetOutcome>> = {
      ws: { ok: false, reason: "no rooms, no recovery" },
    };
    for (const [target, outcomesOf] of runs) {
      const failed = outcomesOf.find((o) => !o.ok);
      const ok = outcomesOf.filter((o) => o.ok);
      const values = bestOf(
        METRICS,
        ok.map((o) => o.values),
      );
      // not the best but the worst round: one client left behind is a finding
      values.lost = Math.max(...ok.map((o) => o.values.lost ?? 0));
      outcomes[target] = failed ?? { ok: true, values, note: ok.at(-1)?.note ?? "" };
    }
    const how = mode === "kill" ? "node killed (SIGKILL)" : "node stopped (SIGTERM)";
    results.push({
      scenario: `recovery-${mode}`,
      title: `Recovery of ${count} clients, ${how}`,
      metrics: METRICS,
      outcomes,
    });
  }
  return results;
}
