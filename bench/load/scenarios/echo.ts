/**
 * WebSocket echo: N clients each keep K messages in flight; every echo that comes back is
 * answered with the next message. Figures from the measurement window only (after a warm-up):
 * echoes/s, round-trip p50/p99, and server CPU µs per echoed message (one in, one out).
 *
 * Wire: sends `42["echo","<64 bytes>"]` and expects exactly that string back; bare ws echoes
 * the 64-byte text frame on `/echo`.
 */
import { percentile, Sample } from "../lib/report.ts";
import { cpuMicros, type Scenario } from "../lib/scenario.ts";
import { connectClient, connectMany, delay, eventFrame, makePayload, now } from "../lib/wire.ts";

type Phase = "warmup" | "measure" | "drain";

export const echo: Scenario = {
  name: "echo",
  title: "WebSocket echo",
  metrics: [
    { key: "rate", label: "echo msgs/s", better: "higher", goal: 1.5 },
    { key: "p50", label: "echo p50 ms", better: "lower" },
    { key: "p99", label: "echo p99 ms", better: "lower" },
    { key: "cpu", label: "echo server CPU µs/msg", better: "lower" },
  ],
  async run({ server, kind, config }) {
    const { clients: count, inFlight, payloadBytes, warmupMs, measureMs } = config.echo;
    const payload = makePayload(payloadBytes);
    const frame = kind === "sio" ? eventFrame("echo", payload) : payload;
    const clients = await connectMany(count, config.setupConcurrency, () =>
      connectClient(server.port, kind, "/echo", config.handshakeTimeoutMs),
    );
    let phase: Phase = "warmup";
    let received = 0;
    let outstanding = 0;
    let wrong = 0;
    const latencies = new Sample();
    for (const client of clients) {
      const sentAt: number[] = [];
      client.onFrame = (text) => {
        const t0 = sentAt.shift();
        outstanding--;
        if (text !== frame || t0 === undefined) wrong++;
        else if (phase === "measure") {
          received++;
          latencies.push(now() - t0);
        }
        if (phase !== "drain") {
          sentAt.push(now());
          outstanding++;
          client.send(frame);
        }
      };
      for (let i = 0; i < inFlight; i++) {
        sentAt.push(now());
        outstanding++;
        client.send(frame);
      }
    }
    await delay(warmupMs);
    const before = await server.stats();
    phase = "measure";
    const start = now();
    await delay(measureMs);
    phase = "drain";
    const elapsed = now() - start;
    const after = await server.stats();
    const drainDeadline = now() + config.drainMs;
    while (outstanding > 0 && now() < drainDeadline) await delay(20);
    for (const client of clients) client.terminate();
    if (wrong > 0) throw new Error(`${wrong} unexpected frames`);
    const sorted = latencies.sorted();
    return {
      values: {
        rate: received / (elapsed / 1000),
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
        cpu: cpuMicros(before, after) / received,
      },
    };
  },
};
