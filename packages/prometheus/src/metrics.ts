/**
 * The metrics, by name (after the prefix), with their help text and labels. Every label takes
 * values from a bounded set: transport names the engine offers, disconnect reasons, error
 * codes, "in" / "out". No socket ids, room names or event names.
 */
import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** Handshake-to-CONNECT durations, in seconds: from a LAN round trip to a slow mobile link. */
export const HANDSHAKE_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The metrics of one registered server. */
export interface Metrics {
  connections: Gauge<"transport">;
  handshakes: Counter<"transport">;
  upgrades: Counter<"from" | "to">;
  fallbacks: Counter<"from" | "to">;
  disconnects: Counter<"reason">;
  refusals: Counter<"code">;
  packets: Counter<"direction">;
  bytes: Counter<"direction">;
  bufferedBytes: Gauge;
  bufferedBytesMax: Gauge;
  handshakeDuration: Histogram;
  clusterMessages: Counter<"direction">;
  clusterRequestsTimedOut: Counter;
  clusterNodes: Gauge;
}

/** What the gauges read when Prometheus scrapes (nothing is kept up to date between scrapes). */
export interface GaugeSources {
  /** Open sessions by their current transport (every offered transport, 0 included). */
  connections(): Map<string, number>;
  /** Sum and largest of the sessions' buffered outbound bytes. */
  buffered(): { sum: number; max: number };
  /** Nodes of the cluster (this one included), or undefined without a cluster adapter. */
  clusterNodes(): Promise<number | undefined>;
  /** Packets counted since the last call, each way (then zero). */
  takePackets(): { in: number; out: number };
  /** Bytes counted since the last call, each way (then zero). */
  takeBytes(): { in: number; out: number };
}

/** Creates the metrics on `registry`, their names starting with `prefix`. */
export function createMetrics(registry: Registry, prefix: string, sources: GaugeSources): Metrics {
  const registers = [registry];
  const counter = <L extends string>(name: string, help: string, labelNames: L[] = []) =>
    new Counter<L>({ name: prefix + name, help, labelNames, registers });
  // Packets and bytes are summed in plain numbers on the hot path and moved into the counters
  // when Prometheus scrapes: a labelled inc() per packet costs more than the packet's own work.
  const traffic = (name: string, help: string, take: () => { in: number; out: number }) =>
    new Counter({
      name: prefix + name,
      help,
      labelNames: ["direction"],
      registers,
      collect() {
        const taken = take();
        this.inc({ direction: "in" }, taken.in);
        this.inc({ direction: "out" }, taken.out);
      },
    });
  return {
    connections: new Gauge({
      name: `${prefix}connections`,
      help: "Open engine sessions, by their current transport",
      labelNames: ["transport"],
      registers,
      collect() {
        for (const [transport, count] of sources.connections()) this.set({ transport }, count);
      },
    }),
    handshakes: counter("handshakes_total", "Engine handshakes, by their first transport", [
      "transport",
    ]),
    upgrades: counter("upgrades_total", "Completed transport upgrades", ["from", "to"]),
    fallbacks: counter(
      "fallbacks_total",
      "Upgrades the server saw abandoned: the session stayed on `to` instead of moving to `from`",
      ["from", "to"],
    ),
    disconnects: counter("disconnects_total", "Closed connections, by what closed them", [
      "reason",
    ]),
    refusals: counter(
      "refusals_total",
      "Requests refused by the engine (SB_ERR_* code) and connections closed by a policy (slow consumer, rate limit, parse error)",
      ["code"],
    ),
    // Packets and bytes are summed in plain numbers on the hot path and moved into the counters
    // when Prometheus scrapes: a labelled inc() per packet costs more than the packet's own work.
    packets: traffic(
      "packets_total",
      "Socket.IO packets (and binary attachments), in and out",
      sources.takePackets,
    ),
    bytes: traffic("bytes_total", "Bytes of Socket.IO packets, in and out", sources.takeBytes),
    bufferedBytes: new Gauge({
      name: `${prefix}buffered_bytes`,
      help: "Outbound bytes buffered, summed over the open sessions",
      registers,
      collect() {
        this.set(sources.buffered().sum);
      },
    }),
    bufferedBytesMax: new Gauge({
      name: `${prefix}buffered_bytes_max`,
      help: "Outbound bytes buffered by the session that holds the most",
      registers,
      collect() {
        this.set(sources.buffered().max);
      },
    }),
    handshakeDuration: new Histogram({
      name: `${prefix}handshake_duration_seconds`,
      help: "From the engine handshake to the first namespace CONNECT accepted",
      buckets: HANDSHAKE_BUCKETS,
      registers,
    }),
    clusterMessages: counter("cluster_messages_total", "Cluster adapter messages, in and out", [
      "direction",
    ]),
    clusterRequestsTimedOut: counter(
      "cluster_requests_timed_out_total",
      "Cluster requests that did not get every response within requestsTimeout",
    ),
    clusterNodes: new Gauge({
      name: `${prefix}cluster_nodes`,
      help: "Nodes of the cluster seen by the main namespace's adapter, this one included",
      registers,
      async collect() {
        const nodes = await sources.clusterNodes();
        if (nodes === undefined) this.reset();
        else this.set(nodes);
      },
    }),
  };
}
