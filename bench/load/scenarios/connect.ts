/**
 * Connection setup: `concurrency` workers each open a fresh WebSocket, run the handshake to the
 * point where the client may emit, close it (a normal close frame, not awaited) and start the
 * next, for the warm-up and the measurement windows. Per window: handshakes/s, p50 handshake
 * time, server CPU µs per handshake (its share of the closes included).
 *
 * Wire: upgrade on `/socket.io/?EIO=4&transport=websocket`, server `0{...}`, client `40`,
 * server `40{"sid":...}` = done. Bare ws: done when the upgrade's 101 is in (no protocol).
 */
import { percentile, Sample } from "../lib/report.ts";
import {
  cpuPerOp,
  measureWindows,
  ratePerSecond,
  type Scenario,
  summarize,
} from "../lib/scenario.ts";
import { connectClient, now } from "../lib/wire.ts";

const METRICS = [
  { key: "rate", label: "handshakes/s", better: "higher" },
  { key: "p50", label: "handshake p50 ms", better: "lower" },
  { key: "cpu", label: "server CPU µs/handshake", better: "lower" },
] as const;

export const connect: Scenario = {
  name: "connect",
  title: "Connection setup",
  metrics: METRICS,
  async run({ server, kind, config }) {
    let running = true;
    let done = 0;
    let latencies = new Sample();
    let failure: unknown;
    const worker = async (): Promise<void> => {
      while (running && failure === undefined) {
        const t0 = now();
        try {
          const client = await connectClient(server.port, kind, "/echo", config.handshakeTimeoutMs);
          done++;
          latencies.push(now() - t0);
          client.close();
        } catch (error) {
          failure ??= error;
        }
      }
    };
    const workers = Promise.all(Array.from({ length: config.connect.concurrency }, worker));
    const windows = await measureWindows(server, config.measure, () => {
      const tally = { count: done, latencies };
      done = 0;
      latencies = new Sample();
      return tally;
    });
    running = false;
    await workers;
    if (failure !== undefined) throw failure;
    return summarize(METRICS, windows, (w) => ({
      rate: ratePerSecond(w),
      p50: percentile(w.latencies, 50),
      cpu: cpuPerOp(w),
    }));
  },
};
