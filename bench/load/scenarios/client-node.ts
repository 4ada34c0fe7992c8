/**
 * Node client scenario: the client libraries, not the servers, under test. One server child
 * (the official socket.io 4.8 server on the server core; for sse, which socket.io does not speak,
 * Switchboard's server), one client child on the load generator's core running 50 sockets of
 * one library over one transport, each keeping 4 acknowledged emits in flight
 * (`emit("ack", <64 chars>, cb)`, answered by the server's `(m, cb) => cb(m)`). Per window:
 * acks/s and the client process's CPU µs per ack. Both libraries, every transport they share,
 * same run; rounds alternate which library goes first.
 */
import { type ClientLib, startClients } from "../lib/client-ipc.ts";
import { figureCell, markdownTable, runRounds } from "../lib/client-report.ts";
import type { Config } from "../lib/config.ts";
import type { TargetName } from "../lib/ipc.ts";
import { formatNumber } from "../lib/report.ts";
import { startServer } from "../lib/server-handle.ts";
import { delay, makePayload, now } from "../lib/wire.ts";

/** One row of the table: a transport, the server that serves it, the libraries that have it. */
interface Row {
  readonly transport: string;
  readonly server: TargetName;
  readonly libs: readonly ClientLib[];
}

const ROWS: readonly Row[] = [
  {
    transport: "websocket",
    server: "socket.io",
    libs: ["socket.io-client", "@switchboard/client"],
  },
  { transport: "polling", server: "socket.io", libs: ["socket.io-client", "@switchboard/client"] },
  { transport: "sse", server: "switchboard", libs: ["@switchboard/client"] },
];

/** Best figures of one library on one row. */
interface Figures {
  rate: number;
  cpu: number;
}

/** What the scenario gives: per row and library, the best window's figures (or why none). */
export interface ClientNodeResult {
  readonly rows: readonly {
    readonly row: Row;
    readonly figures: Partial<Record<ClientLib, Figures | string>>;
  }[];
}

async function measureOne(row: Row, lib: ClientLib, config: Config): Promise<Figures> {
  const { clients, inFlight, payloadBytes, windows, windowMs, warmupMs } = config.clientNode;
  const started = await startServer(row.server, undefined, `client-node-${row.server}`);
  if (!started.ok) throw new Error(`server did not start: ${started.reason}`);
  const server = started.handle;
  try {
    const handle = await startClients(
      {
        lib,
        url: `http://127.0.0.1:${server.port}`,
        transport: row.transport,
        clients,
        inFlight,
        payload: makePayload(payloadBytes),
      },
      30_000,
    );
    try {
      await delay(warmupMs);
      let before = await handle.stats();
      let start = now();
      const best: Figures = { rate: 0, cpu: Number.POSITIVE_INFINITY };
      for (let i = 0; i < windows; i++) {
        await delay(windowMs);
        const after = await handle.stats();
        const end = now();
        const acks = after.acks - before.acks;
        if (acks > 0) {
          best.rate = Math.max(best.rate, acks / ((end - start) / 1000));
          best.cpu = Math.min(best.cpu, (after.cpu - before.cpu) / acks);
        }
        before = after;
        start = end;
      }
      const lost = handle.lost();
      if (lost) throw new Error(`a socket disconnected during the run: ${lost}`);
      if (best.rate === 0) throw new Error("no ack in any window");
      return best;
    } finally {
      await handle.stop();
    }
  } finally {
    await server.stop();
  }
}

/** Runs every row for every library, `rounds` times, keeping each one's best figures. */
export async function clientNode(config: Config): Promise<ClientNodeResult> {
  const rows: ClientNodeResult["rows"][number][] = ROWS.map((row) => ({ row, figures: {} }));
  await runRounds(
    rows,
    config.clientNode.rounds,
    (row, lib) => measureOne(row, lib as ClientLib, config),
    (row, lib) => `client-node / ${row.transport} / ${lib}`,
    (f) => `${formatNumber(f.rate)} acks/s, ${formatNumber(f.cpu)} µs/ack`,
    (a, b) => ({ rate: Math.max(a.rate, b.rate), cpu: Math.min(a.cpu, b.cpu) }),
  );
  return { rows };
}

/** The table: one line per transport, both libraries side by side, and the ratios. */
export function renderClientNode(result: ClientNodeResult): string {
  const head = [
    "transport",
    "server",
    "socket.io-client acks/s",
    "µs CPU/ack",
    "@switchboard/client acks/s",
    "µs CPU/ack",
    "sb/sio acks/s",
    "sb/sio CPU/ack",
  ];
  const cell = (f: Figures | string | undefined, key: keyof Figures) => figureCell(f, key);
  const lines = result.rows.map(({ row, figures }) => {
    const sio = figures["socket.io-client"];
    const sb = figures["@switchboard/client"];
    const both = typeof sio === "object" && typeof sb === "object";
    return [
      row.transport,
      row.server,
      cell(sio, "rate"),
      cell(sio, "cpu"),
      cell(sb, "rate"),
      cell(sb, "cpu"),
      both ? `${(sb.rate / sio.rate).toFixed(2)}x` : "–",
      both ? `${(sb.cpu / sio.cpu).toFixed(2)}x` : "–",
    ];
  });
  const notes = result.rows.flatMap(({ row, figures }) =>
    Object.entries(figures)
      .filter((e): e is [string, string] => typeof e[1] === "string")
      .map(([lib, reason]) => `- ${row.transport} / ${lib}: ${reason}`),
  );
  return [markdownTable(head, lines), ...notes].join("\n");
}
