/**
 * Cluster broadcast: two server processes of one target on one redis-server, each on its
 * target's own Redis adapter (@switchboard/redis-adapter, or Socket.IO 4.8 with
 * @socket.io/redis-adapter 8.3; ioredis clients for both); the broadcast scenario's clients
 * (1,000 in a full run) split evenly between them, client 0 (on the first server) the sender.
 * The first server's `io.emit("bcast", m)` writes to its own half and publishes once to Redis;
 * the second server gets it from Redis and writes to its half. At most `window` broadcasts are
 * undelivered at any time (lib/pump.ts, as in the broadcast scenario).
 *
 * Per window: deliveries/s and CPU µs per delivery of the two servers and the redis-server
 * together (user + system time of each: the servers' `process.cpuUsage()` over IPC, the
 * redis-server's used_cpu_user + used_cpu_sys of `INFO cpu`, all in µs; /proc/<pid>/stat counts
 * in 10 ms ticks, too coarse for 1-second windows of a partly idle core); best window of every
 * round, per metric. Per run: bytes through Redis per broadcast, the growth of `INFO stats`
 * total_net_input_bytes + total_net_output_bytes from before the first broadcast to after the
 * last one was delivered, less the INFO calls' own bytes, over the broadcasts sent (a window
 * holds too few broadcasts, with up to `window` of them in flight at its edges, to divide by).
 * Servers and redis-server share the server core.
 */
import { Redis } from "ioredis";
import { RedisServer } from "../../../test/support/redis-server.ts";
import type { Config } from "../lib/config.ts";
import type { TargetName } from "../lib/ipc.ts";
import { startPump } from "../lib/pump.ts";
import {
  formatNumber,
  type MetricDef,
  type ScenarioResult,
  type TargetOutcome,
} from "../lib/report.ts";
import { bestOf } from "../lib/scenario.ts";
import { pin, SERVER_CPU, type ServerHandle, startServer } from "../lib/server-handle.ts";
import {
  assertNoneLost,
  connectClient,
  connectMany,
  delay,
  eventFrame,
  makePayload,
  now,
  type WireClient,
} from "../lib/wire.ts";

const METRICS: readonly MetricDef[] = [
  { key: "rate", label: "cluster broadcast deliveries/s", better: "higher" },
  {
    key: "cpu",
    label: "cluster CPU µs/delivery (2 servers + redis-server)",
    better: "lower",
    goal: 0.6,
  },
  { key: "bytes", label: "bytes through Redis/broadcast", better: "lower", goal: 1 },
];

/** Targets that have a Redis adapter. */
const CLUSTER_TARGETS: readonly TargetName[] = ["socket.io", "switchboard"];

/** What one reading costs on the wire: its request (`INFO stats cpu`, a RESP array). */
const INFO_REQUEST_BYTES = Buffer.byteLength("*3\r\n$4\r\nINFO\r\n$5\r\nstats\r\n$3\r\ncpu\r\n");

/** One reading of the redis-server. */
interface RedisReading {
  /** used_cpu_user + used_cpu_sys, µs. */
  cpu: number;
  /** total_net_input_bytes + total_net_output_bytes less what the readings so far cost. */
  bytes: number;
}

/**
 * Reads the redis-server's CPU time and traffic with `INFO stats cpu`. The counters include
 * the readings' own requests and replies (each reply is counted by the next reading): they are
 * taken off, so `bytes` is the traffic of everyone else.
 */
function redisMeter(info: Redis): () => Promise<RedisReading> {
  let own = 0;
  let readings = 0;
  return async () => {
    const text = (await info.call("INFO", "stats", "cpu")) as string;
    const read = (name: string): number => Number(new RegExp(`${name}:([\\d.]+)`).exec(text)?.[1]);
    const reading = {
      cpu: (read("used_cpu_user") + read("used_cpu_sys")) * 1e6,
      bytes: read("total_net_input_bytes") + read("total_net_output_bytes") - own,
    };
    if (readings++ > 0) own += INFO_REQUEST_BYTES;
    const length = Buffer.byteLength(text);
    own += `$${length}\r\n`.length + length + 2;
    return reading;
  };
}

/**
 * Waits (bounded) until every server's adapter has subscribed: a broadcast sent before would
 * miss the other server's clients. The request channel's subscriber count says the adapters
 * are up; one broadcast that reaches every client says their broadcast subscriptions are too.
 */
async function untilSubscribed(
  info: Redis,
  servers: number,
  clients: readonly WireClient[],
  frame: Buffer,
): Promise<void> {
  const deadline = now() + 10_000;
  for (;;) {
    const [, subs] = (await info.call("PUBSUB", "NUMSUB", "socket.io-request#/#")) as [
      string,
      number,
    ];
    if (Number(subs) >= servers) break;
    if (now() > deadline) throw new Error(`only ${subs} of ${servers} servers subscribed`);
    await delay(20);
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    let got = 0;
    for (const client of clients) client.onFrame = () => got++;
    clients[0]?.send(frame);
    const until = now() + 2000;
    while (got < clients.length && now() < until) await delay(10);
    if (got === clients.length) return;
  }
  throw new Error("a broadcast never reached every client");
}

/** One window's figures. */
interface Snapshot {
  at: number;
  /** Both servers and the redis-server, µs. */
  cpu: number;
  /** The redis-server alone, µs. */
  redisCpu: number;
  delivered: number;
}

/** One run on one target: fresh redis-server and servers, the clients, the windows. */
async function runOnce(target: TargetName, config: Config): Promise<TargetOutcome> {
  const { clients: count, window, payloadBytes } = config.broadcast;
  const redis = await RedisServer.start();
  if (redis.pid !== undefined) pin(redis.pid, SERVER_CPU);
  const info = new Redis(redis.url);
  const servers: ServerHandle[] = [];
  let clients: WireClient[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      const env = { BENCH_REDIS_URL: redis.url };
      const started = await startServer(target, undefined, `cluster-${target}-${i}`, env);
      if (!started.ok) return { ok: false, reason: `server did not start: ${started.reason}` };
      servers.push(started.handle);
    }
    const payload = makePayload(payloadBytes);
    const frame = Buffer.from(eventFrame("bcast", payload));
    let opened = 0;
    // The first half on the first server, the rest on the second; the sender is whichever
    // finished its handshake first (the two servers do the same work either way).
    clients = await connectMany(count, config.setupConcurrency, () => {
      const server = opened++ < count / 2 ? servers[0]! : servers[1]!;
      return connectClient(server.port, "sio", "/bcast", config.handshakeTimeoutMs);
    });
    await untilSubscribed(info, servers.length, clients, frame);
    const readRedis = redisMeter(info);
    const first = await readRedis();
    const pump = startPump(clients, frame, window);
    const snapshot = async (): Promise<Snapshot> => {
      const [redisNow, ...stats] = await Promise.all([
        readRedis(),
        ...servers.map((server) => server.stats()),
      ]);
      const serversCpu = stats.reduce((sum, st) => sum + st.cpu.user + st.cpu.system, 0);
      const cpu = serversCpu + redisNow.cpu;
      return { at: now(), cpu, redisCpu: redisNow.cpu, delivered: pump.delivered };
    };
    await delay(config.measure.warmupMs);
    const windows: Record<string, number>[] = [];
    const busyShares: number[] = [];
    const redisShares: number[] = [];
    let before = await snapshot();
    for (let i = 0; i < config.measure.windows; i++) {
      await delay(config.measure.windowMs);
      const after = await snapshot();
      const deliveries = after.delivered - before.delivered;
      if (deliveries > 0) {
        const values = {
          rate: deliveries / ((after.at - before.at) / 1000),
          cpu: (after.cpu - before.cpu) / deliveries,
        };
        windows.push(values);
        // Of one core: they all run on the server core.
        busyShares.push(
          Math.round(((after.cpu - before.cpu) / ((after.at - before.at) * 1000)) * 100),
        );
        redisShares.push(
          Math.round(((after.redisCpu - before.redisCpu) / (after.cpu - before.cpu)) * 100),
        );
      }
      before = after;
    }
    await pump.stop(config.drainMs);
    const bytes = ((await readRedis()).bytes - first.bytes) / pump.sent;
    assertNoneLost(clients);
    if (pump.wrong > 0) throw new Error(`${pump.wrong} unexpected frames`);
    if (windows.length === 0) throw new Error("nothing delivered in any measurement window");
    const values: Record<string, number> = { ...bestOf(METRICS, windows), bytes };
    const busy = busyShares[windows.findIndex((w) => w.rate === values.rate)];
    const redisShare = redisShares[windows.findIndex((w) => w.cpu === values.cpu)];
    const note = `servers + redis-server ${busy}% of a core in the fastest window; redis-server ${redisShare}% of the CPU in the leanest`;
    return { ok: true, values, note };
  } catch (error) {
    return { ok: false, reason: `failed: ${error instanceof Error ? error.message : error}` };
  } finally {
    for (const client of clients) client.terminate();
    for (const server of servers) await server.stop();
    info.disconnect();
    await redis.close();
  }
}

/** Runs the cluster scenario `rounds` times over the targets, each round starting one later. */
export async function clusterBroadcast(
  config: Config,
  targets: readonly TargetName[],
): Promise<ScenarioResult> {
  const order = CLUSTER_TARGETS.filter((t) => targets.includes(t));
  const runs = new Map<TargetName, TargetOutcome[]>();
  for (let round = 1; round <= config.measure.rounds; round++) {
    for (let i = 0; i < order.length; i++) {
      const target = order[(i + round - 1) % order.length]!;
      const outcome = await runOnce(target, config);
      const shown = outcome.ok
        ? METRICS.map((m) => `${formatNumber(outcome.values[m.key] ?? Number.NaN)} ${m.label}`)
            .join(", ")
            .concat(outcome.note ? ` (${outcome.note})` : "")
        : outcome.reason;
      console.log(`  cluster / ${target} #${round}: ${shown}`);
      runs.set(target, [...(runs.get(target) ?? []), outcome]);
    }
  }
  const outcomes: Partial<Record<TargetName, TargetOutcome>> = {};
  for (const [target, list] of runs) {
    const failed = list.find((o) => !o.ok);
    const ok = list.flatMap((o) => (o.ok ? [o] : []));
    if (failed) outcomes[target] = failed;
    else {
      const values = bestOf(
        METRICS,
        ok.map((o) => o.values),
      );
      const lead = ok.find((o) => o.values.rate === values.rate);
      outcomes[target] = lead?.note ? { ok: true, values, note: lead.note } : { ok: true, values };
    }
  }
  return {
    scenario: "cluster",
    title: "Cluster broadcast (2 servers, one redis-server)",
    metrics: METRICS,
    outcomes,
  };
}
