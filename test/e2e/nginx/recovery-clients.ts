/**
 * Clients of the recovery suites: each joins rooms (through its handshake's `auth.rooms`),
 * records every welcome (which node, whether the session was recovered, on both sides) and
 * every numbered broadcast ("seq": sender tag, room, number) in the order it arrived, so that a
 * test can check, per client and per sender, that each number came exactly once, in order,
 * with no gap, against what the Redis stream holds.
 */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import type { AnySocket, Make } from "./cluster-processes.ts";

type Listener = (...args: never[]) => void;

/** One welcome: the node, and whether the server and the client saw the session recovered. */
export interface Welcome {
  tag: string;
  recovered: boolean;
  clientRecovered: boolean;
  /** How many numbers of each `<sender>/<room>` the client had then. */
  had: ReadonlyMap<string, number>;
  /** The same, at the disconnect before this welcome (none for the first). */
  hadAtDrop: ReadonlyMap<string, number> | undefined;
}

/** A client and everything it received. */
export interface SeqClient {
  readonly name: string;
  readonly socket: AnySocket;
  readonly rooms: readonly string[];
  readonly welcomes: Welcome[];
  /** Numbers received, in arrival order, by `<sender>/<room>`. */
  readonly seqs: Map<string, number[]>;
  /** Every "seq" received. */
  received: number;
  /** Broadcast ids received on "bcast". */
  readonly marks: Set<string>;
  disconnects: number;
}

/** The clients of a test; waits are per client, woken by that client's own events. */
export class SeqTracker {
  readonly clients: SeqClient[] = [];
  readonly #wake = new Map<SeqClient, Set<() => void>>();

  /** Opens a client of `make` to `url` that joins `rooms`. */
  add(name: string, make: Make, url: string, rooms: readonly string[]): SeqClient {
    const socket = make(url, { rooms });
    const c: SeqClient = {
      name,
      socket,
      rooms,
      welcomes: [],
      seqs: new Map(),
      received: 0,
      marks: new Set(),
      disconnects: 0,
    };
    const waiters = new Set<() => void>();
    this.#wake.set(c, waiters);
    const wake = () => {
      for (const w of [...waiters]) w();
    };
    let hadAtDrop: Map<string, number> | undefined;
    const had = () => new Map([...c.seqs].map(([key, list]) => [key, list.length]));
    socket.on("welcome", ((tag: string, recovered: boolean) => {
      c.welcomes.push({ tag, recovered, clientRecovered: socket.recovered, had: had(), hadAtDrop });
      wake();
    }) as Listener);
    socket.on("seq", ((tag: string, room: string, n: number) => {
      const key = `${tag}/${room}`;
      const list = c.seqs.get(key) ?? [];
      if (list.length === 0) c.seqs.set(key, list);
      list.push(n);
      c.received++;
      wake();
    }) as Listener);
    socket.on("bcast", ((id: string) => {
      c.marks.add(id);
      wake();
    }) as Listener);
    socket.on("disconnect", (() => {
      c.disconnects++;
      hadAtDrop = had();
    }) as Listener);
    this.clients.push(c);
    return c;
  }

  /** Resolves once `check(c)` holds, checked again on each of `c`'s events. */
  until(c: SeqClient, check: (c: SeqClient) => boolean): Promise<void> {
    return new Promise((resolve) => {
      const waiters = this.#wake.get(c)!;
      const test = () => {
        if (!check(c)) return;
        waiters.delete(test);
        resolve();
      };
      waiters.add(test);
      test();
    });
  }

  /** Resolves once every client of `among` (all by default) satisfies `check`. */
  async untilAll(check: (c: SeqClient) => boolean, among = this.clients): Promise<void> {
    await Promise.all(among.map((c) => this.until(c, check)));
  }

  /** Resolves once every client of `among` has received `more` numbered broadcasts more. */
  untilProgress(more: number, among = this.clients): Promise<void> {
    return Promise.all(
      among.map((c) => {
        const target = c.received + more;
        return this.until(c, () => c.received >= target);
      }),
    ).then(() => {});
  }

  /** The clients whose last welcome came from `tag`. */
  on(tag: string): SeqClient[] {
    return this.clients.filter((c) => c.welcomes.at(-1)?.tag === tag);
  }

  /** Clients per node, by the node that welcomed each last. */
  perNode(): Record<string, number> {
    const split: Record<string, number> = {};
    for (const c of this.clients) {
      const tag = c.welcomes.at(-1)?.tag ?? "none";
      split[tag] = (split[tag] ?? 0) + 1;
    }
    return split;
  }
}

/**
 * What the stream holds: the numbers appended by each sender to each room, in stream order
 * (`<sender>/<room>` → numbers), read from the Redis stream `stream` at `redisUrl`. The stream's
 * entries are the wire format both adapters share (fields uid, nsp, type, data: JSON here).
 */
export async function sentPerSender(
  redisUrl: string,
  stream = "socket.io",
): Promise<Map<string, number[]>> {
  const admin = new Redis(redisUrl);
  try {
    const sent = new Map<string, number[]>();
    for (const [, fields] of await admin.xrange(stream, "-", "+")) {
      const f = new Map<string, string>();
      for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i]!, fields[i + 1]!);
      if (f.get("type") !== "3") continue;
      const data = JSON.parse(f.get("data") ?? "{}") as { packet?: { data?: unknown[] } };
      const [event, tag, room, n] = data.packet?.data ?? [];
      if (event !== "seq") continue;
      const key = `${String(tag)}/${String(room)}`;
      const list = sent.get(key) ?? [];
      if (list.length === 0) sent.set(key, list);
      list.push(Number(n));
    }
    return sent;
  } finally {
    admin.disconnect();
  }
}

/**
 * Every client got, for each sender and each of its rooms, every number that sender appended
 * to that room, exactly once and in order (1, 2, 3, … with no gap and no repeat).
 *
 * Except, when `lossyNodes` names nodes, around a restore by one of them or from one of them:
 * from the client's disconnect to its next welcome, where a number may be missing or repeated.
 * Socket.IO 0.3 replays up to the end of the stream without meeting its reader (packets that
 * arrive during its restore can be lost or doubled), and delivers its own broadcasts at once,
 * ahead of earlier entries of other nodes, so that the offset its client holds can be behind
 * packets it already has (replayed again wherever it recovers). Between Socket.IO nodes too.
 * Returns the anomalies tolerated there.
 */
export function assertEveryNumberOnce(
  clients: readonly SeqClient[],
  sent: ReadonlyMap<string, number[]>,
  lossyNodes: ReadonlySet<string> = new Set(),
): string[] {
  const senders = new Set([...sent.keys()].map((k) => k.split("/")[0]!));
  for (const [key, numbers] of sent) {
    assert.deepEqual(
      numbers,
      numbers.map((_, i) => i + 1),
      `the stream holds ${key} 1..n in order`,
    );
  }
  const wrong: string[] = [];
  const tolerated: string[] = [];
  for (const c of clients) {
    const via = c.welcomes.map((w) => `${w.tag}${w.recovered ? "+" : ""}`).join(">");
    const seams = c.welcomes.filter(
      (w, k) =>
        k > 0 && w.recovered && (lossyNodes.has(w.tag) || lossyNodes.has(c.welcomes[k - 1]!.tag)),
    );
    for (const room of c.rooms) {
      for (const sender of senders) {
        const key = `${sender}/${room}`;
        const expected = sent.get(key)?.length ?? 0;
        const got = c.seqs.get(key) ?? [];
        const inSeam = (i: number) =>
          seams.some((w) => (w.hadAtDrop?.get(key) ?? 0) <= i && i <= (w.had.get(key) ?? 0));
        const report = (what: string) => `${c.name} (${via}) ${key}: ${what}`;
        for (let i = 0; i < got.length; i++) {
          if (got[i] === (i === 0 ? 0 : got[i - 1]!) + 1) continue;
          const what = `#${i} is ${got[i]} after ${i === 0 ? "none" : got[i - 1]}`;
          (inSeam(i) ? tolerated : wrong).push(report(what));
        }
        if (got.at(-1) !== (expected || undefined)) {
          wrong.push(report(`last is ${got.at(-1)}, ${expected} sent`));
        }
      }
    }
  }
  assert.deepEqual(wrong.slice(0, 20), [], `${wrong.length} client sequences wrong`);
  return tolerated;
}
