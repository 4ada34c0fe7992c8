/**
 * Long-polling echo: N Engine.IO polling clients over raw HTTP/1.1 keep-alive connections
 * (lib/http-client.ts: node:net, pre-built requests, a small response parser), two per client:
 * one for its long-poll GETs, one for its POSTs. Each client keeps one long-poll GET pending and
 * one message in flight: it POSTs the message and sends the next one when the echo arrives on
 * the GET. Per measurement window: echoes/s, round-trip p50, server CPU µs per echo and echoes
 * per second of server CPU. The bare ws target answers with a minimal node:http responder (the
 * floor: what node:http itself costs; see bench/load/server.ts).
 *
 * Wire, per client:
 *   GET  /socket.io/?EIO=4&transport=polling           -> `0{"sid":"<sid>",...}`
 *   POST /socket.io/?EIO=4&transport=polling&sid=<sid>  body `40`  -> `ok`
 *   GET  ...&sid=<sid>                                  -> `40{"sid":...}` (CONNECT ack)
 *   POST ...&sid=<sid>  body `42["echo","<64 bytes>"]`  -> `ok`
 *   GET  ...&sid=<sid>                                  -> `42["echo","<64 bytes>"]`
 * A GET body may hold several packets separated by 0x1e; a `2` (PING) is answered by POSTing `3`.
 * POSTs of one client never overlap (Engine.IO refuses that): packets queued meanwhile go in the
 * next POST, joined by 0x1e. A response other than 200, a malformed one, or a connection closed
 * with a request outstanding fails the scenario.
 */
import { getRequest, HttpConnection, postRequest } from "../lib/http-client.ts";
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

/** Distinct POST bodies whose request bytes a client keeps (the echo frame, `3`, both). */
const POST_CACHE_LIMIT = 8;

/** One polling client's state; `onPacket` gets every packet of every GET. */
class PollingClient {
  #outbox: string[] = [];
  #posting = false;
  readonly #getBytes: Buffer;
  readonly #postBytes = new Map<string, Buffer>();
  stopped = false;
  failure: Error | undefined;
  onPacket: (packet: string) => void = () => {};

  private constructor(
    readonly gets: HttpConnection,
    readonly posts: HttpConnection,
    readonly port: number,
    readonly path: string,
  ) {
    this.#getBytes = getRequest(port, path);
  }

  /** Opens both connections and runs the handshake up to the CONNECT ack. */
  static async open(port: number): Promise<PollingClient> {
    const [gets, posts] = await Promise.all([HttpConnection.open(port), HttpConnection.open(port)]);
    try {
      const open = await gets.request(getRequest(port, SIO_POLLING_PATH), "handshake GET");
      if (!open.startsWith("0")) throw new Error(`expected engine OPEN, got ${open.slice(0, 40)}`);
      const { sid } = JSON.parse(open.slice(1)) as { sid: string };
      const client = new PollingClient(gets, posts, port, `${SIO_POLLING_PATH}&sid=${sid}`);
      await client.#post(SIO_CONNECT);
      const ack = await client.#get();
      if (!ack.startsWith("40")) throw new Error(`expected CONNECT ack, got ${ack.slice(0, 40)}`);
      return client;
    } catch (error) {
      gets.destroy();
      posts.destroy();
      throw error;
    }
  }

  #get(): Promise<string> {
    return this.gets.request(this.#getBytes, "GET");
  }

  async #post(body: string): Promise<void> {
    let bytes = this.#postBytes.get(body);
    if (!bytes) {
      bytes = postRequest(this.port, this.path, body);
      if (this.#postBytes.size < POST_CACHE_LIMIT) this.#postBytes.set(body, bytes);
    }
    const answer = await this.posts.request(bytes, "POST");
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

  /** Stops polling and drops both connections. */
  close(): void {
    this.stopped = true;
    this.gets.destroy();
    this.posts.destroy();
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
  async run({ server, config }) {
    const { clients: count, payloadBytes } = config.polling;
    const frame = eventFrame("echo", makePayload(payloadBytes));
    const clients: PollingClient[] = [];
    try {
      for (let i = 0; i < count; i += config.setupConcurrency) {
        const batch = Math.min(config.setupConcurrency, count - i);
        const opened = await Promise.allSettled(
          Array.from({ length: batch }, () => PollingClient.open(server.port)),
        );
        for (const result of opened) if (result.status === "fulfilled") clients.push(result.value);
        const refused = opened.find((result) => result.status === "rejected");
        if (refused) throw refused.reason;
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
      for (const client of clients) client.close();
    }
  },
};
