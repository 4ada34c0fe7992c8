/**
 * Idle memory: the server's RSS and V8 heap after a full GC, with N idle WebSocket clients
 * connected (full handshake as in `connect`), minus the same figures before the first client,
 * divided by N. The server child runs with --expose-gc and collects twice before each reading.
 * RSS rarely shrinks after a GC, so the RSS delta also holds memory the allocator kept.
 */
import type { Scenario } from "../lib/scenario.ts";
import { assertNoneLost, connectClient, connectMany, delay } from "../lib/wire.ts";

export const memory: Scenario = {
  name: "memory",
  title: "Idle memory",
  singleRound: true,
  metrics: [
    { key: "rss", label: "idle RSS KiB/conn", better: "lower", goal: 0.6 },
    { key: "heap", label: "idle heap KiB/conn", better: "lower", goal: 0.6 },
  ],
  async run({ server, kind, config }) {
    const { clients: count, concurrency, settleMs } = config.memory;
    const baseline = await server.stats(true);
    const clients = await connectMany(count, concurrency, () =>
      connectClient(server.port, kind, "/echo", config.handshakeTimeoutMs),
    );
    try {
      await delay(settleMs);
      const loaded = await server.stats(true);
      assertNoneLost(clients);
      if (loaded.connections !== count) {
        throw new Error(`server counts ${loaded.connections} connections, expected ${count}`);
      }
      const perConn = (bytes: number): number => bytes / count / 1024;
      return {
        values: {
          rss: perConn(loaded.mem.rss - baseline.mem.rss),
          heap: perConn(loaded.mem.heapUsed - baseline.mem.heapUsed),
        },
      };
    } finally {
      for (const client of clients) client.terminate();
    }
  },
};
