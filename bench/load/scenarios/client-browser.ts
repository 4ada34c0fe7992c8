/**
 * Chromium client scenario: one page in Debian's Chromium (playwright-core,
 * /usr/bin/chromium, headless), one socket of one library over one transport (no upgrade),
 * `inFlight` acknowledged emits in flight (`emit("ack", <64 chars>, cb)`, answered by the
 * server's `(m, cb) => cb(m)`). The page measures itself: after a warm-up, per window, acks/s
 * and the median round trip (emit to ack, `performance.now()`); the best window counts.
 *
 * socket.io-client runs from its own bundle (node_modules/socket.io-client/dist/socket.io.min.js),
 * Switchboard from its browser bundle (dist/switchboard.min.js, or `--sb-bundle=<file>`). Rows
 * on the official socket.io 4.8 server: websocket and polling, both libraries. Rows on
 * Switchboard's server: the same two for both libraries, and sse, jsonp, htmlfile (which
 * socket.io's server does not speak) for Switchboard's client.
 */
import { type Browser, chromium } from "playwright-core";
import { figureCell, markdownTable, runRounds } from "../lib/client-report.ts";
import type { Config } from "../lib/config.ts";
import type { TargetName } from "../lib/ipc.ts";
import { formatNumber } from "../lib/report.ts";
import { startServer } from "../lib/server-handle.ts";
import { makePayload } from "../lib/wire.ts";

/**
 * "sio": socket.io-client's bundle; "sb": Switchboard's; "x:<label>": another Switchboard bundle
 * given with `--sb-extra=<label>=<file>` (e.g. an older build), measured in the same rounds.
 */
type Lib = string;

/** The extra Switchboard bundles (BENCH_SB_EXTRA, "label=file,label=file"), by label. */
export function extraBundles(): [label: string, file: string][] {
  return (process.env.BENCH_SB_EXTRA ?? "")
    .split(",")
    .filter((e) => e.includes("="))
    .map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]);
}

interface Row {
  readonly transport: string;
  readonly server: TargetName;
  readonly libs: readonly Lib[];
}

const ROWS: readonly Row[] = [
  { transport: "websocket", server: "socket.io", libs: ["sio", "sb"] },
  { transport: "polling", server: "socket.io", libs: ["sio", "sb"] },
  { transport: "websocket", server: "switchboard", libs: ["sio", "sb"] },
  { transport: "polling", server: "switchboard", libs: ["sio", "sb"] },
  { transport: "sse", server: "switchboard", libs: ["sb"] },
  { transport: "jsonp", server: "switchboard", libs: ["sb"] },
  { transport: "htmlfile", server: "switchboard", libs: ["sb"] },
];

interface Figures {
  rate: number;
  p50: number;
  /** Each round's acks/s, in round order (the rounds ratio pairs them). */
  rounds: number[];
}

/**
 * The median over the rounds of `lib`'s acks/s over socket.io-client's in the same round: both
 * were measured back to back there, so a burst of other work on the machine, which the best
 * window of a whole run cannot tell from a real difference, mostly cancels out.
 */
function roundsRatio(lib: Figures | string | undefined, sio: Figures | string | undefined): string {
  if (typeof lib !== "object" || typeof sio !== "object") return "–";
  const ratios = lib.rounds
    .map((rate, i) => rate / (sio.rounds[i] ?? Number.NaN))
    .filter((r) => Number.isFinite(r))
    .sort((a, b) => a - b);
  if (ratios.length === 0) return "–";
  const mid = ratios.length / 2;
  const median =
    ratios.length % 2 ? ratios[Math.floor(mid)]! : (ratios[mid - 1]! + ratios[mid]!) / 2;
  return `${median.toFixed(2)}x`;
}

/** Per row and library, the best window's figures (or why none). */
export interface ClientBrowserResult {
  readonly bundle: string;
  readonly extra: readonly [label: string, file: string][];
  readonly rows: readonly {
    readonly row: Row;
    readonly figures: Partial<Record<Lib, Figures | string>>;
  }[];
}

interface PageArgs {
  transport: string;
  inFlight: number;
  payload: string;
  warmupMs: number;
  windows: number;
  windowMs: number;
}

/** Runs in the page: connects, then measures. Both bundles define the global `io`. */
async function inPage(a: PageArgs): Promise<{ rate: number; p50: number } | string> {
  type S = {
    on(e: string, l: (...x: never[]) => void): void;
    emit(...x: unknown[]): void;
    disconnect(): void;
    io: { engine?: { transport?: { name: string } } };
  };
  const g = globalThis as unknown as { io: (o: Record<string, unknown>) => S };
  const socket = g.io({
    forceNew: true,
    transports: [a.transport],
    upgrade: false,
    reconnection: false,
  });
  const ok = await new Promise<string>((resolve) => {
    socket.on("connect", () => resolve(""));
    socket.on("connect_error", (e: Error) => resolve(`connect_error: ${e.message}`));
    setTimeout(() => resolve("no connect within 10 s"), 10_000);
  });
  if (ok) return ok;
  const name = socket.io.engine?.transport?.name;
  if (name !== a.transport) return `connected over ${name}`;
  let lost = "";
  socket.on("disconnect", (reason: string) => {
    lost = reason;
  });
  let rtts: number[] = [];
  let running = true;
  const fire = (): void => {
    const t0 = performance.now();
    socket.emit("ack", a.payload, () => {
      rtts.push(performance.now() - t0);
      if (running) fire();
    });
  };
  for (let i = 0; i < a.inFlight; i++) fire();
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  await sleep(a.warmupMs);
  let best = { rate: 0, p50: Number.POSITIVE_INFINITY };
  for (let w = 0; w < a.windows; w++) {
    rtts = [];
    const start = performance.now();
    await sleep(a.windowMs);
    const window = rtts;
    const elapsed = performance.now() - start;
    if (window.length === 0) continue;
    window.sort((x, y) => x - y);
    const p50 = window[Math.ceil(window.length / 2) - 1] ?? Number.NaN;
    best = {
      rate: Math.max(best.rate, window.length / (elapsed / 1000)),
      p50: Math.min(best.p50, p50),
    };
  }
  running = false;
  if (lost) return `disconnected during the run: ${lost}`;
  socket.disconnect();
  return best.rate > 0 ? best : "no ack in any window";
}

async function measureOne(browser: Browser, row: Row, lib: Lib, config: Config): Promise<Figures> {
  const started = await startServer(row.server, undefined, `client-browser-${row.server}`);
  if (!started.ok) throw new Error(`server did not start: ${started.reason}`);
  const server = started.handle;
  const page = await browser.newPage();
  // tsx compiles inPage with esbuild's keepNames, which calls a __name helper the page lacks.
  await page.addInitScript("globalThis.__name = (f) => f");
  try {
    await page.goto(
      `http://127.0.0.1:${server.port}/bench/page.html?lib=${encodeURIComponent(lib)}`,
    );
    const c = config.clientBrowser;
    const result = await page.evaluate(inPage, {
      transport: row.transport,
      inFlight: c.inFlight,
      payload: makePayload(c.payloadBytes),
      warmupMs: c.warmupMs,
      windows: c.windows,
      windowMs: c.windowMs,
    });
    if (typeof result === "string") throw new Error(result);
    return { ...result, rounds: [result.rate] };
  } finally {
    await page.close();
    await server.stop();
  }
}

function libName(lib: Lib): string {
  if (lib === "sio") return "socket.io-client";
  return lib === "sb" ? "@switchboard/client" : `@switchboard/client ${lib.slice(2)}`;
}

/** Runs every row for every library, `rounds` times, keeping each one's best figures. */
export async function clientBrowser(config: Config): Promise<ClientBrowserResult> {
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-background-timer-throttling",
      "--disable-renderer-backgrounding",
    ],
  });
  const extra = extraBundles().map(([label]) => `x:${label}`);
  const only = config.clientBrowser.transports;
  const chosen = ROWS.filter((row) => !only || only.includes(row.transport));
  const rows: ClientBrowserResult["rows"][number][] = chosen.map((row) => ({
    row: { ...row, libs: row.libs.flatMap((lib) => (lib === "sb" ? [lib, ...extra] : [lib])) },
    figures: {},
  }));
  try {
    await runRounds(
      rows,
      config.clientBrowser.rounds,
      (row, lib) => measureOne(browser, row, lib, config),
      (row, lib) => `client-browser / ${row.server} server / ${row.transport} / ${libName(lib)}`,
      (f) => `${formatNumber(f.rate)} acks/s, p50 ${formatNumber(f.p50)} ms`,
      (a, b) => ({
        rate: Math.max(a.rate, b.rate),
        p50: Math.min(a.p50, b.p50),
        rounds: [...a.rounds, ...b.rounds],
      }),
    );
  } finally {
    await browser.close();
  }
  return {
    bundle: process.env.BENCH_SB_BUNDLE ?? "packages/client/dist/switchboard.min.js",
    extra: extraBundles(),
    rows,
  };
}

/** The table: one line per server and transport, both libraries side by side, the ratio. */
export function renderClientBrowser(result: ClientBrowserResult): string {
  const head = [
    "transport",
    "server",
    "socket.io-client acks/s",
    "p50 ms",
    "@switchboard/client acks/s",
    "p50 ms",
    "sb/sio acks/s",
    "sb/sio per round",
    ...result.extra.flatMap(([label]) => [
      `${label} acks/s`,
      "p50 ms",
      `${label}/sio`,
      `${label}/sio per round`,
    ]),
  ];
  const cell = (f: Figures | string | undefined, key: "rate" | "p50") => figureCell(f, key);
  const lines = result.rows.map(({ row, figures }) => {
    const sio = figures.sio;
    const sb = figures.sb;
    const both = typeof sio === "object" && typeof sb === "object";
    return [
      row.transport,
      row.server,
      cell(sio, "rate"),
      cell(sio, "p50"),
      cell(sb, "rate"),
      cell(sb, "p50"),
      both ? `${(sb.rate / sio.rate).toFixed(2)}x` : "–",
      roundsRatio(sb, sio),
      ...result.extra.flatMap(([label]) => {
        const x = figures[`x:${label}`];
        const ratio = typeof x === "object" && typeof sio === "object";
        return [
          cell(x, "rate"),
          cell(x, "p50"),
          ratio ? `${(x.rate / sio.rate).toFixed(2)}x` : "–",
          roundsRatio(x, sio),
        ];
      }),
    ];
  });
  const notes = result.rows.flatMap(({ row, figures }) =>
    Object.entries(figures)
      .filter((e): e is [string, string] => typeof e[1] === "string")
      .map(([lib, reason]) => `- ${row.server} / ${row.transport} / ${libName(lib)}: ${reason}`),
  );
  const bundles = [
    `@switchboard/client: ${result.bundle}`,
    ...result.extra.map(([label, file]) => `${label}: ${file}`),
  ];
  return [...bundles, "", markdownTable(head, lines), ...notes].join("\n");
}
