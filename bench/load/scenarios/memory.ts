/**
 * Idle memory: the server's RSS and V8 heap after a full GC, with N idle WebSocket clients
 * connected (full handshake as in `connect`), minus the same figures before the first client,
 * divided by N (the issue's two metrics, with goals). The server child runs with --expose-gc
 * and collects twice before each reading. RSS rarely shrinks after a GC, so the RSS delta also
 * holds memory the allocator kept.
 *
 * Informative figures without goals: the heapTotal delta per connection (committed heap), and
 * the marginal RSS and heap per connection between N/2 and N clients ((M(N) − M(N/2)) / (N/2),
 * a reading taken after each half). V8's new space grows from 8 to 32 MiB committed while the
 * clients connect, for every target, and its touched pages stay in RSS: a one-time cost that the
 * totals spread over N connections and the marginal figures mostly leave out. The note shows the
 * new space's committed size at 0, N/2 and N clients.
 */
import type { ServerStats } from "../lib/ipc.ts";
import type { Scenario } from "../lib/scenario.ts";
import { assertNoneLost, connectClient, connectMany, delay, type WireClient } from "../lib/wire.ts";

const MIB = 1024 * 1024;

export const memory: Scenario = {
  name: "memory",
  title: "Idle memory",
  singleRound: true,
  metrics: [
    { key: "rss", label: "idle RSS KiB/conn", better: "lower", goal: 0.6 },
    { key: "heap", label: "idle heap KiB/conn", better: "lower", goal: 0.6 },
    { key: "heapTotal", label: "idle heapTotal KiB/conn", better: "lower" },
    { key: "rssMarginal", label: "marginal RSS KiB/conn, 2nd half", better: "lower" },
    { key: "heapMarginal", label: "marginal heap KiB/conn, 2nd half", better: "lower" },
  ],
  async run({ server, kind, config }) {
    const { clients: count, concurrency, settleMs } = config.memory;
    const half = Math.floor(count / 2);
    const clients: WireClient[] = [];
    /** Connects `n` more clients, settles, and reads the server's figures after a GC. */
    const grow = async (n: number): Promise<ServerStats> => {
      const opened = await connectMany(n, concurrency, () =>
        connectClient(server.port, kind, "/echo", config.handshakeTimeoutMs),
      );
      clients.push(...opened);
      await delay(settleMs);
      const stats = await server.stats(true);
      assertNoneLost(clients);
      if (stats.connections !== clients.length) {
        throw new Error(
          `server counts ${stats.connections} connections, expected ${clients.length}`,
        );
      }
      return stats;
    };
    const baseline = await server.stats(true);
    try {
      const middle = await grow(half);
      const loaded = await grow(count - half);
      const perConn = (bytes: number, n = count): number => bytes / n / 1024;
      const mib = (s: ServerStats): string => (s.mem.newSpace / MIB).toFixed(0);
      return {
        values: {
          rss: perConn(loaded.mem.rss - baseline.mem.rss),
          heap: perConn(loaded.mem.heapUsed - baseline.mem.heapUsed),
          heapTotal: perConn(loaded.mem.heapTotal - baseline.mem.heapTotal),
          rssMarginal: perConn(loaded.mem.rss - middle.mem.rss, count - half),
          heapMarginal: perConn(loaded.mem.heapUsed - middle.mem.heapUsed, count - half),
        },
        note: `new space ${mib(baseline)}→${mib(middle)}→${mib(loaded)} MiB committed at 0/${half}/${count} clients`,
      };
    } finally {
      for (const client of clients) client.terminate();
    }
  },
};
