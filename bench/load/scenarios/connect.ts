/**
 * Connection setup: `concurrency` workers each open a fresh WebSocket, run the handshake to the
 * point where the client may emit, close it (a normal close frame, not awaited) and start the
 * next, until `total` handshakes or `maxMs`. Figures: handshakes/s, p50 handshake time, server
 * CPU µs per handshake (its share of the closes included).
 *
 * Wire: upgrade on `/socket.io/?EIO=4&transport=websocket`, server `0{...}`, client `40`,
 * server `40{"sid":...}` = done. Bare ws: done when the upgrade's 101 is in (no protocol).
 */
import { percentile, Sample } from "../lib/report.ts";
import { cpuMicros, type Scenario } from "../lib/scenario.ts";
import { connectClient, now } from "../lib/wire.ts";

export const connect: Scenario = {
  name: "connect",
  title: "Connection setup",
  metrics: [
    { key: "rate", label: "handshakes/s", better: "higher" },
    { key: "p50", label: "handshake p50 ms", better: "lower" },
    { key: "cpu", label: "server CPU µs/handshake", better: "lower" },
  ],
  async run({ server, kind, config }) {
    const { total, concurrency, maxMs } = config.connect;
    const latencies = new Sample();
    let started = 0;
    const before = await server.stats();
    const start = now();
    const deadline = start + maxMs;
    const worker = async (): Promise<void> => {
      while (started < total && now() < deadline) {
        started++;
        const t0 = now();
        const client = await connectClient(server.port, kind, "/echo", config.handshakeTimeoutMs);
        latencies.push(now() - t0);
        client.ws.close();
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const elapsed = now() - start;
    const after = await server.stats();
    const done = latencies.length;
    const sorted = latencies.sorted();
    return {
      values: {
        rate: done / (elapsed / 1000),
        p50: percentile(sorted, 50),
        cpu: cpuMicros(before, after) / done,
      },
      note: done < total ? `${done} handshakes in the ${maxMs} ms budget` : undefined,
    };
  },
};
