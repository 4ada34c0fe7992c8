/**
 * Broadcast: N connected clients; one of them (the sender) emits, the server sends each message
 * to all N (the sender included). The sender keeps at most `window` broadcasts undelivered
 * (sent × N − delivered < window × N), so the server is never flooded beyond what it can send.
 * Per measurement window: deliveries/s and server CPU µs per delivery.
 *
 * Wire: sender sends `42["bcast","<64 bytes>"]`; the server does `io.emit("bcast", m)` and every
 * client receives `42["bcast","<64 bytes>"]`. Bare ws: a text frame on `/bcast` is sent as is
 * to every client of the server.
 */

import { startPump } from "../lib/pump.ts";
import { Sample } from "../lib/report.ts";
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
  eventFrame,
  makePayload,
} from "../lib/wire.ts";

const METRICS = [
  { key: "rate", label: "broadcast deliveries/s", better: "higher" },
  { key: "cpu", label: "broadcast server CPU µs/delivery", better: "lower", goal: 0.6 },
] as const;

export const broadcast: Scenario = {
  name: "broadcast",
  title: "Broadcast",
  metrics: METRICS,
  async run({ server, kind, config }) {
    const { clients: count, window, payloadBytes } = config.broadcast;
    const payload = makePayload(payloadBytes);
    const frame = Buffer.from(kind === "sio" ? eventFrame("bcast", payload) : payload);
    const clients = await connectMany(count, config.setupConcurrency, () =>
      connectClient(server.port, kind, "/bcast", config.handshakeTimeoutMs),
    );
    const pump = startPump(clients, frame, window);
    const windows = await measureWindows(server, config.measure, () => ({
      count: pump.take(),
      latencies: new Sample(),
    }));
    await pump.stop(config.drainMs);
    for (const client of clients) client.terminate();
    assertNoneLost(clients);
    if (pump.wrong > 0) throw new Error(`${pump.wrong} unexpected frames`);
    return summarize(METRICS, windows, (w) => ({ rate: ratePerSecond(w), cpu: cpuPerOp(w) }));
  },
};
