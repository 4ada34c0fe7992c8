/**
 * WebSocket echo: N clients each keep K messages in flight; every echo that comes back is
 * answered with the next message. Per measurement window: echoes/s, round-trip p50/p99,
 * server CPU µs per echoed message (one frame in, one frame out), and its inverse, echoes per
 * second of server CPU (the rate one server core would sustain, whatever else the machine runs).
 *
 * Wire: sends `42["echo","<64 bytes>"]` and expects exactly those bytes back; bare ws echoes
 * the 64-byte text frame on `/echo`.
 */
import { percentile, Sample } from "../lib/report.ts";
import {
  cpuPerOp,
  measureWindows,
  ratePerSecond,
  type Scenario,
  summarize,
} from "../lib/scenario.ts";
import {
  assertNoneLost,
  connectClient,
  connectMany,
  delay,
  eventFrame,
  makePayload,
  now,
} from "../lib/wire.ts";

const METRICS = [
  { key: "rate", label: "echo msgs/s", better: "higher", goal: 1.5 },
  { key: "p50", label: "echo p50 ms", better: "lower" },
  { key: "p99", label: "echo p99 ms", better: "lower" },
  { key: "cpu", label: "echo server CPU µs/msg", better: "lower" },
  { key: "perCore", label: "echo msgs per server CPU-s", better: "higher", goal: 1.5 },
] as const;

export const echo: Scenario = {
  name: "echo",
  title: "WebSocket echo",
  metrics: METRICS,
  async run({ server, kind, config }) {
    const { clients: count, inFlight, payloadBytes } = config.echo;
    const payload = makePayload(payloadBytes);
    const frame = Buffer.from(kind === "sio" ? eventFrame("echo", payload) : payload);
    const clients = await connectMany(count, config.setupConcurrency, () =>
      connectClient(server.port, kind, "/echo", config.handshakeTimeoutMs),
    );
    let sending = true;
    let received = 0;
    let outstanding = 0;
    let wrong = 0;
    let latencies = new Sample();
    for (const client of clients) {
      const sentAt: number[] = [];
      const sendOne = (): void => {
        sentAt.push(now());
        outstanding++;
        client.send(frame);
      };
      client.onFrame = (data) => {
        const t0 = sentAt.shift();
        outstanding--;
        if (t0 === undefined || !data.equals(frame)) wrong++;
        else {
          received++;
          latencies.push(now() - t0);
        }
        if (sending) sendOne();
      };
      for (let i = 0; i < inFlight; i++) sendOne();
    }
    const windows = await measureWindows(server, config.measure, () => {
      const tally = { count: received, latencies };
      received = 0;
      latencies = new Sample();
      return tally;
    });
    sending = false;
    const drainDeadline = now() + config.drainMs;
    while (outstanding > 0 && now() < drainDeadline) await delay(20);
    for (const client of clients) client.terminate();
    assertNoneLost(clients);
    if (wrong > 0) throw new Error(`${wrong} unexpected frames`);
    return summarize(METRICS, windows, (w) => ({
      rate: ratePerSecond(w),
      p50: percentile(w.latencies, 50),
      p99: percentile(w.latencies, 99),
      cpu: cpuPerOp(w),
      perCore: 1e6 / cpuPerOp(w),
    }));
  },
};
