/**
 * Prometheus metrics for a Switchboard server, through `prom-client` (a peer dependency):
 * `registerMetrics(io)` adds the traffic policy to the server's connection pipeline, listens to
 * the engine and its sessions, and subscribes to the cluster diagnostics channel; the function
 * it returns takes all of it off again. A server on which it was never called pays nothing.
 */
import { type Channel, channel } from "node:diagnostics_channel";
import { performance } from "node:perf_hooks";
import type { ConnectionErrorEvent, Session, SessionTransport } from "@switchboard/engine";
import {
  ClusterAdapter,
  type Namespace,
  type Server,
  type Socket,
  type TrafficSink,
  trafficMetrics,
} from "@switchboard/server";
import { register as globalRegistry, type Registry } from "prom-client";
import { createMetrics } from "./metrics.js";

export { HANDSHAKE_BUCKETS } from "./metrics.js";

/** Options of {@link registerMetrics}. */
export interface MetricsOptions {
  /**
   * The registry the metrics go on.
   * @default prom-client's global registry (`register`)
   */
  register?: Registry;
  /**
   * What every metric name starts with.
   * @default "switchboard_"
   */
  prefix?: string;
}

/** Disconnect reasons that mean a policy closed the connection: counted as refusals too. */
const POLICY_REASONS: ReadonlySet<string> = new Set(["slow consumer", "rate limit", "parse error"]);

interface ClusterEvent {
  adapter: unknown;
  event: "publish" | "receive" | "request-timeout";
}

// biome-ignore lint/suspicious/noExplicitAny: any server, whatever its typed event maps
type AnyServer = Server<any, any, any, any>;
// biome-ignore lint/suspicious/noExplicitAny: any namespace of that server
type AnyNamespace = Namespace<any, any, any, any>;

/**
 * Registers Switchboard's metrics for `io` (already attached to an HTTP server or engine) on a
 * prom-client registry, and returns a function that unregisters them and stops every listener
 * it added.
 */
export function registerMetrics(io: AnyServer, options: MetricsOptions = {}): () => void {
  const registry = options.register ?? globalRegistry;
  const prefix = options.prefix ?? "switchboard_";
  const engine = io.engine;
  const transports = engine.options.transports;

  /** Traffic since the last scrape (see `takePackets`/`takeBytes`). */
  const traffic = { packetsIn: 0, packetsOut: 0, bytesIn: 0, bytesOut: 0 };
  const m = createMetrics(registry, prefix, {
    connections() {
      const counts = new Map<string, number>(transports.map((t) => [t, 0]));
      for (const session of engine.sessions.values()) {
        const name = session.transport.name;
        counts.set(name, (counts.get(name) ?? 0) + 1);
      }
      return counts;
    },
    buffered() {
      let sum = 0;
      let max = 0;
      for (const session of engine.sessions.values()) {
        const amount = session.bufferedAmount;
        sum += amount;
        if (amount > max) max = amount;
      }
      return { sum, max };
    },
    takePackets() {
      const taken = { in: traffic.packetsIn, out: traffic.packetsOut };
      traffic.packetsIn = traffic.packetsOut = 0;
      return taken;
    },
    takeBytes() {
      const taken = { in: traffic.bytesIn, out: traffic.bytesOut };
      traffic.bytesIn = traffic.bytesOut = 0;
      return taken;
    },
    async clusterNodes() {
      const adapter = io.sockets.adapter;
      return adapter instanceof ClusterAdapter ? adapter.serverCount() : undefined;
    },
  });

  // -- the connection pipeline: packets, bytes, what closed each connection -------------------
  const sink: TrafficSink = {
    sent(packets, bytes) {
      traffic.packetsOut += packets;
      traffic.bytesOut += bytes;
    },
    received(bytes) {
      traffic.packetsIn++;
      traffic.bytesIn += bytes;
    },
    closed(reason) {
      m.disconnects.inc({ reason });
      if (POLICY_REASONS.has(reason)) m.refusals.inc({ code: reason });
    },
  };
  const policy = trafficMetrics(sink);
  io.pipeline.add(policy);

  // -- the engine: handshakes, upgrades, fallbacks, refusals ----------------------------------
  /** Sessions not yet in a namespace, with when their handshake was. */
  const handshakeStart = new Map<Session, number>();
  const untrack = new Map<Session, () => void>();

  const track = (session: Session) => {
    let current = session.transport.name;
    const onUpgrade = (t: SessionTransport) => {
      m.upgrades.inc({ from: current, to: t.name });
      current = t.name;
    };
    const onUpgradeFailed = (t: SessionTransport) => {
      m.fallbacks.inc({ from: t.name, to: current });
    };
    const off = () => {
      session.off("upgrade", onUpgrade);
      session.off("upgradeFailed", onUpgradeFailed);
      session.off("close", off);
      handshakeStart.delete(session);
      untrack.delete(session);
    };
    session.on("upgrade", onUpgrade);
    session.on("upgradeFailed", onUpgradeFailed);
    session.on("close", off);
    untrack.set(session, off);
  };
  const onSession = (session: Session) => {
    m.handshakes.inc({ transport: session.transport.name });
    handshakeStart.set(session, performance.now());
    track(session);
  };
  const onRefused = (error: ConnectionErrorEvent) => {
    const code = error.context.sbCode;
    m.refusals.inc({ code: typeof code === "string" ? code : `engine_${error.code}` });
  };
  for (const session of engine.sessions.values()) track(session);
  engine.on("connection", onSession);
  engine.on("connection_error", onRefused);

  // -- namespaces: the first CONNECT a session gets accepted ends its handshake ---------------
  const onSocket = (socket: Socket) => {
    const session = socket.conn as Session;
    const start = handshakeStart.get(session);
    if (start === undefined) return;
    handshakeStart.delete(session);
    m.handshakeDuration.observe((performance.now() - start) / 1000);
  };
  const watched: AnyNamespace[] = [];
  const watch = (nsp: AnyNamespace) => {
    nsp.on("connection", onSocket);
    watched.push(nsp);
  };
  for (const nsp of io._nsps.values()) watch(nsp);
  io.on("new_namespace", watch);

  // -- cluster adapters of this server --------------------------------------------------------
  const cluster: Channel = channel("switchboard:cluster");
  const onCluster = (message: unknown) => {
    const { adapter, event } = message as ClusterEvent;
    if (!(adapter instanceof ClusterAdapter)) return;
    if (io._nsps.get(adapter.nsp.name)?.adapter !== adapter) return;
    if (event === "publish") m.clusterMessages.inc({ direction: "out" });
    else if (event === "receive") m.clusterMessages.inc({ direction: "in" });
    else if (event === "request-timeout") m.clusterRequestsTimedOut.inc();
  };
  cluster.subscribe(onCluster);

  return function unregisterMetrics() {
    cluster.unsubscribe(onCluster);
    io.off("new_namespace", watch);
    for (const nsp of watched) nsp.off("connection", onSocket);
    engine.off("connection", onSession);
    engine.off("connection_error", onRefused);
    for (const off of [...untrack.values()]) off();
    io.pipeline.remove(policy);
    for (const metric of Object.values(m)) registry.removeSingleMetric(metric.name);
  };
}
