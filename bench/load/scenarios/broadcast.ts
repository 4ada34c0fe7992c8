/**
 * Broadcast: N connected clients; one of them (the sender) emits, the server sends each message
 * to all N (the sender included). The sender keeps at most `window` broadcasts undelivered
 * (sent × N − delivered < window × N), so the server is never flooded beyond what it can send.
 * Figures: deliveries/s and server CPU µs per delivery, in the measurement window.
 *
 * Wire: sender sends `42["bcast","<64 bytes>"]`; the server does `io.emit("bcast", m)` and every
 * client receives `42["bcast","<64 bytes>"]`. Bare ws: a text frame on `/bcast` is sent as is
 * to every client of the server.
 */
import { cpuMicros, type Scenario } from "../lib/scenario.ts";
import { connectClient, connectMany, delay, eventFrame, makePayload, now } from "../lib/wire.ts";

type Phase = "warmup" | "measure" | "drain";

export const broadcast: Scenario = {
  name: "broadcast",
  title: "Broadcast",
  metrics: [
    { key: "rate", label: "broadcast deliveries/s", better: "higher" },
    { key: "cpu", label: "broadcast server CPU µs/delivery", better: "lower", goal: 0.6 },
  ],
  async run({ server, kind, config }) {
    const { clients: count, window, payloadBytes, warmupMs, measureMs } = config.broadcast;
    const payload = makePayload(payloadBytes);
    const frame = kind === "sio" ? eventFrame("bcast", payload) : payload;
    const clients = await connectMany(count, config.setupConcurrency, () =>
      connectClient(server.port, kind, "/bcast", config.handshakeTimeoutMs),
    );
    const sender = clients[0];
    if (!sender) throw new Error("no clients");
    let phase: Phase = "warmup";
    let sent = 0;
    let delivered = 0;
    let counted = 0;
    let wrong = 0;
    const limit = window * count;
    const pump = (): void => {
      while (phase !== "drain" && sent * count - delivered < limit) {
        sender.send(frame);
        sent++;
      }
    };
    const onFrame = (text: string): void => {
      delivered++;
      if (text !== frame) wrong++;
      else if (phase === "measure") counted++;
      pump();
    };
    for (const client of clients) client.onFrame = onFrame;
    pump();
    await delay(warmupMs);
    const before = await server.stats();
    phase = "measure";
    const start = now();
    await delay(measureMs);
    phase = "drain";
    const elapsed = now() - start;
    const after = await server.stats();
    const drainDeadline = now() + config.drainMs;
    while (delivered < sent * count && now() < drainDeadline) await delay(20);
    for (const client of clients) client.terminate();
    if (wrong > 0) throw new Error(`${wrong} unexpected frames`);
    if (counted === 0) throw new Error("no deliveries in the measurement window");
    return {
      values: {
        rate: counted / (elapsed / 1000),
        cpu: cpuMicros(before, after) / counted,
      },
    };
  },
};
