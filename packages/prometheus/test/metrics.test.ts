/**
 * `registerMetrics` on real servers with real socket.io-client clients (and raw Engine.IO
 * requests for what a well-behaved client never does), read back as Prometheus text and
 * parsed by a real parser: each value is checked against what the test did.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, describe, test } from "node:test";
import type { Session } from "@switchboard/engine";
import { registerMetrics } from "@switchboard/prometheus";
import {
  type AdapterConstructor,
  type AdapterNamespace,
  ClusterAdapter,
  type ClusterMessage,
  type ClusterResponse,
  checkClusterMessage,
  Server,
} from "@switchboard/server";
import parse from "parse-prometheus-text-format";
import { Registry } from "prom-client";
import { type Socket as ClientSocket, io as connect } from "socket.io-client";
import { WebSocket } from "ws";
import { startChat } from "../../../examples/chat/server.ts";

/** The parsed exposition: value of `name` with exactly `labels` (0 when absent). */
async function scrape(source: Registry | string) {
  const text =
    typeof source === "string" ? await fetch(source).then((r) => r.text()) : await source.metrics();
  const families = parse(text);
  return {
    text,
    value(name: string, labels: Record<string, string> = {}): number {
      const family = families.find((f) => f.name === name);
      const sample = family?.metrics.find((s) => {
        const have = s.labels ?? {};
        const keys = Object.keys(labels);
        return keys.length === Object.keys(have).length && keys.every((k) => have[k] === labels[k]);
      });
      if (sample === undefined) return 0;
      return Number("value" in sample ? sample.value : sample.count);
    },
    sum(name: string): number {
      const family = families.find((f) => f.name === name);
      return (family?.metrics ?? []).reduce((t, s) => t + Number("value" in s ? s.value : 0), 0);
    },
    has(name: string): boolean {
      return families.some((f) => f.name === name);
    },
  };
}

function client(url: string, transports?: string[]): ClientSocket {
  return connect(url, { forceNew: true, reconnection: false, ...(transports && { transports }) });
}

function until(socket: ClientSocket, event: string): Promise<unknown[]> {
  return new Promise((resolve) => socket.once(event, (...args: unknown[]) => resolve(args)));
}

async function listening(http: ReturnType<typeof createServer>): Promise<string> {
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
}

describe("@switchboard/prometheus", { timeout: 60_000 }, () => {
  const closers: (() => Promise<unknown> | unknown)[] = [];
  after(async () => {
    for (const close of closers.reverse()) await close();
  });

  test("the chat demo's /metrics: 3 polling and 2 websocket clients, then none", async () => {
    const chat = await startChat({ port: 0, host: "127.0.0.1" });
    closers.push(() => chat.close());
    const sessions: Session[] = [];
    chat.io.engine.on("connection", (s) => sessions.push(s));
    const clients = [
      ...[1, 2, 3].map(() => client(chat.url, ["polling"])),
      ...[1, 2].map(() => client(chat.url, ["websocket"])),
    ];
    await Promise.all(clients.map((c) => until(c, "connect")));
    clients[0]!.emit("join", { nick: "ada", room: "lobby" }, () => {});

    let m = await scrape(`${chat.url}/metrics`);
    assert.equal(m.value("switchboard_connections", { transport: "polling" }), 3, m.text);
    assert.equal(m.value("switchboard_connections", { transport: "websocket" }), 2);
    assert.equal(m.value("switchboard_connections", { transport: "sse" }), 0);
    assert.equal(m.value("switchboard_handshakes_total", { transport: "polling" }), 3);
    assert.equal(m.value("switchboard_handshakes_total", { transport: "websocket" }), 2);
    assert.equal(m.value("switchboard_handshake_duration_seconds"), 5); // its _count
    assert.ok(m.value("switchboard_packets_total", { direction: "out" }) >= 5); // 5 CONNECTs
    assert.ok(m.value("switchboard_bytes_total", { direction: "out" }) > 0);
    assert.equal(m.value("switchboard_buffered_bytes"), 0);
    assert.equal(m.sum("switchboard_disconnects_total"), 0);
    assert.equal(m.has("switchboard_cluster_nodes"), true);

    const closed = sessions.map((s) => once(s, "close"));
    for (const c of clients) c.disconnect();
    await Promise.all(closed);
    m = await scrape(`${chat.url}/metrics`);
    assert.equal(m.value("switchboard_connections", { transport: "polling" }), 0, m.text);
    assert.equal(m.value("switchboard_connections", { transport: "websocket" }), 0);
    assert.equal(m.sum("switchboard_disconnects_total"), 5);
    assert.equal(m.value("switchboard_handshakes_total", { transport: "polling" }), 3);
  });

  test("upgrades, fallbacks, refusals, parse errors, traffic; unregister takes all off", async () => {
    const http = createServer();
    const io = new Server(http);
    const url = await listening(http);
    closers.push(() => io.close());
    const register = new Registry();
    const policiesBefore = io.pipeline.policies.length;
    const unregister = registerMetrics(io, { register, prefix: "sb_" });
    io.on("connection", (socket) =>
      socket.on("echo", (s: string, ack: (s: string) => void) => ack(s)),
    );

    // A default client upgrades from polling to websocket.
    const upgrading = client(url);
    await until(upgrading, "connect");
    if (upgrading.io.engine.transport.name !== "websocket")
      await until(upgrading.io.engine as never, "upgrade");
    const text = "x".repeat(1000);
    assert.equal(await upgrading.emitWithAck("echo", text), text);
    let m = await scrape(register);
    assert.equal(m.value("sb_upgrades_total", { from: "polling", to: "websocket" }), 1, m.text);
    assert.equal(m.value("sb_connections", { transport: "websocket" }), 1);
    assert.equal(m.value("sb_connections", { transport: "polling" }), 0);
    assert.ok(m.value("sb_bytes_total", { direction: "in" }) >= 1000);
    assert.ok(m.value("sb_bytes_total", { direction: "out" }) >= 1000);

    // A raw Engine.IO session whose upgrade fails: it stays on polling (a fallback).
    const open = await fetch(`${url}/socket.io/?EIO=4&transport=polling`).then((r) => r.text());
    const sid = (JSON.parse(open.slice(1)) as { sid: string }).sid;
    const ws = new WebSocket(
      `${url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket&sid=${sid}`,
    );
    await once(ws, "open");
    ws.send("4not a probe");
    await once(ws, "close");
    // A malformed Socket.IO packet on it: closed for "parse error".
    const post = await fetch(`${url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, {
      method: "POST",
      body: "49",
    });
    assert.equal(post.status, 200);
    // An unknown session id: refused by the engine.
    const refused = await fetch(`${url}/socket.io/?EIO=4&transport=polling&sid=nope`);
    assert.equal(refused.status, 400);
    await refused.text();

    m = await scrape(register);
    assert.equal(m.value("sb_fallbacks_total", { from: "websocket", to: "polling" }), 1, m.text);
    assert.equal(m.value("sb_disconnects_total", { reason: "parse error" }), 1);
    assert.equal(m.value("sb_refusals_total", { code: "parse error" }), 1);
    assert.equal(m.value("sb_refusals_total", { code: "SB_ERR_UNKNOWN_SID" }), 1);
    assert.equal(m.value("sb_handshakes_total", { transport: "polling" }), 2);
    assert.equal(m.value("sb_handshake_duration_seconds"), 1); // the raw session never CONNECTed
    assert.equal(m.has("sb_cluster_nodes"), true);
    assert.equal(m.value("sb_cluster_nodes"), 0); // no sample without a cluster adapter

    unregister();
    assert.deepEqual(await register.getMetricsAsJSON(), []);
    assert.equal(io.pipeline.policies.length, policiesBefore);
    assert.equal(io.engine.listenerCount("connection_error"), 0);
    upgrading.disconnect();
  });

  test("cluster adapters: nodes, messages in and out, requests timed out", async () => {
    const bus = new Set<BusAdapter>();
    const adapter: AdapterConstructor = class extends BusAdapter {
      constructor(nsp: AdapterNamespace) {
        super(nsp, bus);
      }
    };
    const nodes: Server[] = [];
    for (let i = 0; i < 2; i++) {
      const http = createServer();
      const io = new Server(http, { adapter });
      await listening(http);
      closers.push(() => io.close());
      nodes.push(io);
    }
    const [a, b] = nodes as [Server, Server];
    const register = new Registry();
    closers.push(registerMetrics(a, { register }));
    // b answers "sum" but never "hang": a's request for "hang" times out.
    b.on("sum" as never, (x: number, ack: (n: number) => void) => ack(x + 1));
    b.on("hang" as never, () => {});
    while ((await a.of("/").adapter.serverCount()) !== 2)
      await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(await a.serverSideEmitWithAck("sum" as never, 1), [2]);
    await assert.rejects(a.serverSideEmitWithAck("hang" as never), {
      code: "SB_ERR_CLUSTER_TIMEOUT",
    });
    const m = await scrape(register);
    assert.equal(m.value("switchboard_cluster_nodes"), 2, m.text);
    assert.ok(m.value("switchboard_cluster_messages_total", { direction: "out" }) >= 2);
    assert.ok(m.value("switchboard_cluster_messages_total", { direction: "in" }) >= 1);
    assert.equal(m.value("switchboard_cluster_requests_timed_out_total"), 1);
  });
});

/** An in-process bus adapter: only publish and receive, as a Redis or NATS one would be. */
class BusAdapter extends ClusterAdapter {
  readonly #bus: Set<BusAdapter>;
  constructor(nsp: AdapterNamespace, bus: Set<BusAdapter>) {
    super(nsp, { heartbeatInterval: 20, requestsTimeout: 200 });
    this.#bus = bus;
    bus.add(this);
  }
  #deliver(message: ClusterMessage | ClusterResponse): Promise<void> {
    const copy = structuredClone(message);
    setImmediate(() => {
      for (const other of this.#bus) {
        if (other === this) continue;
        const checked = checkClusterMessage(copy);
        if (checked) other.onMessage(checked);
      }
    });
    return Promise.resolve();
  }
  protected override doPublish(message: ClusterMessage): Promise<void> {
    return this.#deliver(message);
  }
  protected override doPublishResponse(_to: string, response: ClusterResponse): Promise<void> {
    return this.#deliver(response);
  }
  override close(): void {
    super.close();
    this.#bus.delete(this);
  }
}
