/**
 * Codec microbenchmark: @switchboard/protocol against the official engine.io-parser and
 * socket.io-parser, in the same process, on the same inputs. Each case runs the full path a
 * server takes for one message on the wire (socket packet <-> engine packet), or one polling
 * payload. Run: `npm run bench:codec` (add `-- --quick` for a shorter, noisier run).
 */
import { cpus } from "node:os";
import {
  type Packet as TheirEnginePacket,
  decodePacket as theirDecodePacket,
  decodePayload as theirDecodePayload,
  encodePacket as theirEncodePacket,
  encodePayload as theirEncodePayload,
} from "engine.io-parser";
import {
  Decoder as TheirDecoder,
  Encoder as TheirEncoder,
  type Packet as TheirSocketPacket,
} from "socket.io-parser";
import {
  type BinaryData,
  decodeEnginePacket,
  decodeEnginePayload,
  type EnginePacket,
  encodeEnginePacket,
  encodeEnginePayload,
  encodeSocketPacket,
  SocketDecoder,
  type SocketPacket,
} from "../packages/protocol/src/index.ts";

const quick = process.argv.includes("--quick");
const wall = process.argv.includes("--wall");
const started = performance.now();
/** `--only <text>` runs the cases whose name contains the text (for profiling one case). */
const onlyAt = process.argv.indexOf("--only");
const only = onlyAt === -1 ? undefined : process.argv[onlyAt + 1];
const ROUND_MS = quick ? 30 : 60;
const ROUNDS = quick ? 5 : 9;
const WARMUP_MS = quick ? 50 : 100;
/** The whole run stays under a minute of wall time even on a busy machine: rounds past this
 * deadline are skipped (each comparison keeps at least 3). */
const DEADLINE_MS = 50_000;

// ---------------------------------------------------------------------------------------------
// Inputs

const smallEvent: SocketPacket = {
  type: 2,
  nsp: "/",
  data: ["chat message", { user: "alice", text: "hello, world", ts: 1_700_000_000_000 }],
};
const binaryEvent: SocketPacket = {
  type: 2,
  nsp: "/uploads",
  id: 42,
  data: ["file", { name: "a.bin", size: 1024 }, Buffer.alloc(1024, 7)],
};
/** A POST body a busy client sends: 100 engine messages, each a small socket event. */
const payloadPackets: EnginePacket[] = Array.from({ length: 100 }, (_, i) => ({
  type: "message" as const,
  data: `2["chat message",{"user":"user${i}","text":"message number ${i}","ts":${1_700_000_000_000 + i}}]`,
}));

// ---------------------------------------------------------------------------------------------
// The two implementations of each operation

let sink = 0;
/**
 * Keeps results alive. Reading a character from the middle of a string makes V8 flatten a
 * string built by concatenation (a "rope"), which a socket write would do anyway: so neither
 * side gets credit for work deferred past the measurement.
 */
const consume = (value: unknown): void => {
  sink = (sink + (typeof value === "string" ? value.charCodeAt(value.length >> 1) : 1)) | 0;
};

const theirEncoder = new TheirEncoder();
const theirDecoder = new TheirDecoder();
theirDecoder.on("decoded", (packet: TheirSocketPacket) => consume(packet));
const ourDecoder = new SocketDecoder();

/** Socket packet -> engine frames (WebSocket: binary frames stay binary). */
function ourEncodeMessage(packet: SocketPacket): void {
  const parts = encodeSocketPacket(packet);
  for (const part of parts) consume(encodeEnginePacket({ type: "message", data: part }, true));
}
function theirEncodeMessage(packet: SocketPacket): void {
  const parts = theirEncoder.encode(packet as TheirSocketPacket) as (string | Buffer)[];
  for (const part of parts) theirEncodePacket({ type: "message", data: part }, true, consume);
}
/** Engine frames -> socket packet. */
function ourDecodeMessage(frames: readonly (string | BinaryData)[]): void {
  for (const frame of frames) {
    const message = decodeEnginePacket(frame);
    const packet = ourDecoder.add(message.data as string | BinaryData);
    if (packet) consume(packet);
  }
}
function theirDecodeMessage(frames: readonly (string | BinaryData)[]): void {
  for (const frame of frames) {
    const message = theirDecodePacket(frame as string | Buffer, "nodebuffer");
    theirDecoder.add(message.data);
  }
}

function framesOf(packet: SocketPacket): (string | BinaryData)[] {
  return encodeSocketPacket(packet).map((part) =>
    encodeEnginePacket({ type: "message", data: part }, true),
  );
}
const smallFrames = framesOf(smallEvent);
const binaryFrames = framesOf(binaryEvent);
const payloadText = encodeEnginePayload(payloadPackets);

/** The server's work for one polling POST: split the payload, decode every socket packet. */
function ourDecodePayloadFull(payload: string): void {
  for (const message of decodeEnginePayload(payload)) {
    consume(ourDecoder.add(message.data as string));
  }
}
function theirDecodePayloadFull(payload: string): void {
  for (const message of theirDecodePayload(payload, "nodebuffer")) theirDecoder.add(message.data);
}

interface Case {
  name: string;
  ours: () => void;
  theirs: () => void;
  /**
   * The least work any codec must do for the case, done natively (JSON.stringify plus the
   * header, or JSON.parse of the payload): no codec can beat `floor ops/s`, so
   * `floor / theirs` caps the ratio.
   */
  floor?: () => void;
}

const smallJson = JSON.stringify(smallEvent.data);
/** The binary event's data as it goes out: the buffer replaced by its placeholder. */
const binaryEventStripped = ["file", { name: "a.bin", size: 1024 }, { _placeholder: true, num: 0 }];
const binaryJson = JSON.stringify(binaryEventStripped);
const payloadJsons = payloadPackets.map((p) => (p.data as string).slice(1));

const cases: Case[] = [
  {
    name: "(a) small JSON event: encode",
    ours: () => ourEncodeMessage(smallEvent),
    theirs: () => theirEncodeMessage(smallEvent),
    floor: () => consume(`42${JSON.stringify(smallEvent.data)}`),
  },
  {
    name: "(a) small JSON event: decode",
    ours: () => ourDecodeMessage(smallFrames),
    theirs: () => theirDecodeMessage(smallFrames),
    floor: () => consume(JSON.parse(smallJson)),
  },
  {
    name: "(b) event + 1 KiB binary: encode",
    ours: () => ourEncodeMessage(binaryEvent),
    theirs: () => theirEncodeMessage(binaryEvent),
    floor: () => consume(`451-/uploads,42${JSON.stringify(binaryEventStripped)}`),
  },
  {
    name: "(b) event + 1 KiB binary: decode",
    ours: () => ourDecodeMessage(binaryFrames),
    theirs: () => theirDecodeMessage(binaryFrames),
    floor: () => consume(JSON.parse(binaryJson)),
  },
  {
    name: "(c) 100-packet payload: encode",
    ours: () => consume(encodeEnginePayload(payloadPackets)),
    theirs: () => theirEncodePayload(payloadPackets as TheirEnginePacket[], consume),
  },
  {
    name: "(c) 100-packet payload: decode",
    ours: () => consume(decodeEnginePayload(payloadText)),
    theirs: () => consume(theirDecodePayload(payloadText, "nodebuffer")),
  },
  {
    name: "(c) 100-packet payload: decode + socket",
    ours: () => ourDecodePayloadFull(payloadText),
    theirs: () => theirDecodePayloadFull(payloadText),
    floor: () => {
      for (const json of payloadJsons) consume(JSON.parse(json));
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Measuring

/**
 * Runs `fn` `n` times, returns the milliseconds of CPU this process spent (user + system). CPU
 * time rather than wall time: on a shared machine, time spent descheduled is not ours.
 * (`--wall` measures wall time instead.)
 */
function time(fn: () => void, n: number): number {
  if (wall) {
    const start = performance.now();
    for (let i = 0; i < n; i++) fn();
    return performance.now() - start;
  }
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** Iterations that take about `ms` milliseconds (doubling until long enough to measure). */
function calibrate(fn: () => void, ms: number): number {
  let n = 1;
  for (;;) {
    const elapsed = time(fn, n);
    if (elapsed >= ms / 4 || n >= 1 << 26) return Math.max(1, Math.round((n * ms) / elapsed));
    n *= 2;
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

interface Result {
  ours: number;
  theirs: number;
  /** Median of the per-round ratios: robust when the machine's load changes during a run. */
  ratio: number;
}

/**
 * Interleaves rounds of both sides (ours, theirs, ours, theirs, ...) after a warm-up of each,
 * so that both see the same machine; reports median ops/s and the median per-round ratio.
 */
function compare(ours: () => void, theirs: () => void): Result {
  time(ours, calibrate(ours, WARMUP_MS));
  time(theirs, calibrate(theirs, WARMUP_MS));
  const nOurs = calibrate(ours, ROUND_MS);
  const nTheirs = calibrate(theirs, ROUND_MS);
  const oursRates: number[] = [];
  const theirsRates: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    if (r >= 3 && performance.now() - started > DEADLINE_MS) break;
    const a = (nOurs * 1000) / time(ours, nOurs);
    const b = (nTheirs * 1000) / time(theirs, nTheirs);
    oursRates.push(a);
    theirsRates.push(b);
    ratios.push(a / b);
  }
  return { ours: median(oursRates), theirs: median(theirsRates), ratio: median(ratios) };
}

/** Checks once, before timing, that both sides produce what the other decodes. */
function sanityCheck(): void {
  const [head] = theirEncoder.encode(smallEvent as TheirSocketPacket) as string[];
  const ours = encodeSocketPacket(smallEvent)[0];
  if (head !== ours) throw new Error(`Encoders disagree: ${String(head)} vs ${ours}`);
  let theirsPayload = "";
  theirEncodePayload(payloadPackets as TheirEnginePacket[], (p) => {
    theirsPayload = p;
  });
  if (theirsPayload !== payloadText) throw new Error("Payload encoders disagree");
}

function format(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

sanityCheck();
const cpu = cpus()[0]?.model ?? "unknown CPU";
console.log(
  `Codec benchmark, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ` +
    `${cpus().length} CPUs (${cpu}), ${wall ? "wall" : "CPU"} time${quick ? ", quick mode" : ""}\n`,
);
// Warm every case of both sides up before measuring any: the codecs then run in the steady
// state of a server that handles all kinds of packets (call sites that have seen every shape),
// whatever the order of the cases.
for (const c of cases) {
  time(c.ours, calibrate(c.ours, WARMUP_MS / 2));
  time(c.theirs, calibrate(c.theirs, WARMUP_MS / 2));
}
const rows: string[][] = [["case", "ours ops/s", "theirs ops/s", "ours/theirs", "cap"]];
for (const c of cases) {
  if (only !== undefined && !c.name.includes(only)) continue;
  const result = compare(c.ours, c.theirs);
  const cap = c.floor ? `${compare(c.floor, c.theirs).ratio.toFixed(2)}x` : "";
  rows.push([
    c.name,
    format(result.ours),
    format(result.theirs),
    `${result.ratio.toFixed(2)}x`,
    cap,
  ]);
}
const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
for (const [i, row] of rows.entries()) {
  console.log(
    `| ${row.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!))).join(" | ")} |`,
  );
  if (i === 0)
    console.log(
      `|${widths.map((w, col) => `${col === 0 ? "-" : "-"}${"-".repeat(w)}${col === 0 ? "-" : ":"}`).join("|")}|`,
    );
}
console.log(
  `\nMedians of ${ROUNDS} interleaved rounds; ours/theirs = median of the per-round ratios;` +
    ` cap = (JSON.stringify or JSON.parse of the` +
    ` same data alone) / theirs: the ratio no codec could exceed.` +
    ` ${((performance.now() - started) / 1000).toFixed(1)} s (sink ${sink & 1})`,
);
