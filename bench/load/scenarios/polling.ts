/**
 * Long-polling echo: N Engine.IO polling clients over raw HTTP/1.1 (node:http, one keep-alive
 * Agent). Each client keeps one long-poll GET pending and one message in flight: it POSTs the
 * message and sends the next one when the echo arrives on the GET. Per measurement window:
 * echoes/s, round-trip p50, server CPU µs per echo and echoes per second of server CPU. Bare ws
 * has no polling transport.
 *
 * Wire, per client:
 *   GET  /socket.io/?EIO=4&transport=polling           -> `0{"sid":"<sid>",...}`
 *   POST /socket.io/?EIO=4&transport=polling&sid=<sid>  body `40`  -> `ok`
 *   GET  ...&sid=<sid>                                  -> `40{"sid":...}` (CONNECT ack)
 *   POST ...&sid=<sid>  body `42["echo","<64 bytes>"]`  -> `ok`
 *   GET  ...&sid=<sid>                                  -> `42["echo","<64 bytes>"]`
 * A GET body may hold several packets separated by 0x1e; a `2` (PING) is answered by POSTing `3`.
 * POSTs of one client never overlap (Engine.IO refuses that): packets queued meanwhile go in the
 * next POST, joined by 0x1e.
 */
import { Agent, request } from "node:http";
import { percentile, Sample } from "../lib/report.ts";
import {
  cpuPerOp,
  measureWindows,
  ratePerSecond,
  type Scenario,
  summarize,
} from "../lib/scenario.ts";
import {
  delay,
  ENGINE_PING,
  ENGINE_PONG,
  eventFrame,
  makePayload,
  now,
  PAYLOAD_SEPARATOR,
  SIO_CONNECT,
  SIO_POLLING_PATH,
} from "../lib/wire.ts";

function httpText(
  agent: Agent,
  port: number,
  method: "GET" | "POST",
  path: string,
  body?: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, method, path, agent, headers: { "content-type": "text/plain" } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () => {
          if (res.statusCode === 200) resolve(text);
          else reject(new Error(`${method} ${res.statusCode}: ${text.slice(0, 80)}`));
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** One polling client's state; `onPacket` gets every packet of every GET. */
class PollingClient {
  #outbox: string[] = [];
  #posting = false;
  stopped = false;
  failure: Error | undefined;
  onPacket: (packet: string) => void = () => {};

  constructor(
    readonly agent: Agent,
    readonly port: number,
    readonly path: string,
  ) {}

  static async open(agent: Agent, port: number): Promise<PollingClient> {
    const open = await httpText(agent, port, "GET", SIO_POLLING_PATH);
    if (!open.startsWith("0")) throw new Error(`expected engine OPEN, got ${open.slice(0, 40)}`);
    const { sid } = JSON.parse(open.slice(1)) as { sid: string };
    const client = new PollingClient(agent, port, `${SIO_POLLING_PATH}&sid=${sid}`);
    await client.#post(SIO_CONNECT);
    const ack = await client.#get();
    if (!ack.startsWith("40")) throw new Error(`expected CONNECT ack, got ${ack.slice(0, 40)}`);
    return client;
  }

  #get(): Promise<string> {
    return httpText(this.agent, this.port, "GET", this.path);
  }

  async #post(body: string): Promise<void> {
    const answer = await httpText(this.agent, this.port, "POST", this.path, body);
    if (answer !== "ok") throw new Error(`POST answered ${answer.slice(0, 40)}`);
  }

  /** Queues a packet; sent at once unless a POST is already in flight. */
  send(packet: string): void {
    this.#outbox.push(packet);
    if (!this.#posting) void this.#flush();
  }

  async #flush(): Promise<void> {
    this.#posting = true;
    while (this.#outbox.length > 0 && !this.stopped) {
      const body = this.#outbox.join(PAYLOAD_SEPARATOR);
      this.#outbox = [];
      try {
        await this.#post(body);
      } catch (error) {
        if (!this.stopped) this.failure ??= error as Error;
        break;
      }
    }
    this.#posting = false;
  }

  /** Long-polls until stopped; each GET is issued when the previous one answers. */
  async poll(): Promise<void> {
    while (!this.stopped) {
      let body: string;
      try {
        body = await this.#get();
      } catch (error) {
        if (!this.stopped) this.failure ??= error as Error;
        return;
      }
      for (const packet of body.split(PAYLOAD_SEPARATOR)) {
        if (packet === ENGINE_PING) this.send(ENGINE_PONG);
        else this.onPacket(packet);
      }
    }
  }
}

const METRICS = [
  { key: "rate", label: "polling echo msgs/s", better: "higher", goal: 1.5 },
  { key: "p50", label: "polling echo p50 ms", better: "lower" },
  { key: "cpu", label: "polling server CPU µs/msg", better: "lower" },
  { key: "perCore", label: "polling echo msgs per server CPU-s", better: "higher", goal: 1.5 },
] as const;

export const polling: Scenario = {
  name: "polling",
  title: "Long-polling echo",
  metrics: METRICS,
  notApplicable: { ws: "bare ws has no long-polling transport" },
  async run({ server, config }) {
    const { clients: count, payloadBytes } = config.polling;
    const frame = eventFrame("echo", makePayload(payloadBytes));
    const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
    const clients: PollingClient[] = [];
    try {
      for (let i = 0; i < count; i += config.setupConcurrency) {
        const batch = Math.min(config.setupConcurrency, count - i);
        const opened = await Promise.all(
          Array.from({ length: batch }, () => PollingClient.open(agent, server.port)),
        );
        clients.push(...opened);
      }
      let sending = true;
      let received = 0;
      let outstanding = 0;
      let wrong = 0;
      let latencies = new Sample();
      for (const client of clients) {
        let sentAt = 0;
        const sendNext = (): void => {
          sentAt = now();
          outstanding++;
          client.send(frame);
        };
        client.onPacket = (packet) => {
          if (packet !== frame) {
            wrong++;
            return;
          }
          outstanding--;
          received++;
          latencies.push(now() - sentAt);
          if (sending) sendNext();
        };
        void client.poll();
        sendNext();
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
      const failure = clients.find((c) => c.failure)?.failure;
      if (failure) throw failure;
      if (wrong > 0) throw new Error(`${wrong} unexpected packets`);
      return summarize(METRICS, windows, (w) => ({
        rate: ratePerSecond(w),
        p50: percentile(w.latencies, 50),
        cpu: cpuPerOp(w),
        perCore: 1e6 / cpuPerOp(w),
      }));
    } finally {
      for (const client of clients) client.stopped = true;
      agent.destroy();
    }
  },
};
