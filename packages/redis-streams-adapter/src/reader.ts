/**
 * Reads one Redis stream with a blocking XREAD on a connection of its own and hands every
 * entry, in stream order, to the adapter of its namespace. Its position (the last entry
 * handed over) is the seam of a restored session: what a restore replays ends there, and what
 * the reader hands over next is live. When Redis fails, it retries from the same position, so
 * after an outage it goes on with the next entry still in the stream: none twice, none skipped.
 */

import type { RedisClient } from "@switchboard/redis-adapter";
import { tracer } from "@switchboard/server";
import { compareIds, type Entry, entriesOf } from "./codec.js";
import { type Dedicated, dedicated, type Send } from "./commands.js";

const trace = tracer("redis-streams");

interface Waiter {
  id: string;
  resolve: () => void;
}

/** Receives the entries of one namespace. */
export type EntryHandler = (entry: Entry) => void;

const RETRY_MIN = 50;
const RETRY_MAX = 1000;

/** The reader of one stream. */
export class StreamReader {
  readonly stream: string;
  readonly #handlers = new Map<string, EntryHandler>();
  readonly #count: string;
  readonly #block: string;
  #conn: Dedicated | undefined;
  #position = "";
  #closed = false;
  #waiters: Waiter[] = [];
  /** Settles once the position is known (the last entry of the stream when reading began). */
  readonly ready: Promise<void>;

  constructor(client: RedisClient, stream: string, readCount: number, blockTimeInMs: number) {
    this.stream = stream;
    this.#count = String(readCount);
    this.#block = String(blockTimeInMs);
    this.ready = this.#start(client);
    this.ready.catch(() => {});
  }

  /** The id of the last entry handed over. */
  get position(): string {
    return this.#position;
  }

  /** Routes the entries of namespace `nsp` to `handler` (undefined: stops). */
  route(nsp: string, handler: EntryHandler | undefined): void {
    if (handler) this.#handlers.set(nsp, handler);
    else this.#handlers.delete(nsp);
  }

  get routes(): number {
    return this.#handlers.size;
  }

  /** Resolves once the reader has handed over entry `id` (or gone past it). */
  reached(id: string): Promise<void> {
    if (this.#position !== "" && compareIds(this.#position, id) >= 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ id, resolve }));
  }

  close(): void {
    this.#closed = true;
    this.#conn?.close();
    for (const w of this.#waiters.splice(0)) w.resolve();
  }

  async #start(client: RedisClient): Promise<void> {
    let delay = RETRY_MIN;
    for (;;) {
      if (this.#closed) throw new Error("closed");
      try {
        this.#conn ??= dedicated(client);
        await this.#conn.opened;
        const last = entriesOf(
          await this.#conn.send(["XREVRANGE", this.stream, "+", "-", "COUNT", "1"]),
        );
        this.#position = last[0]?.id ?? "0-0";
        break;
      } catch (err) {
        trace("read start failed", { stream: this.stream, error: err });
        await sleep(delay);
        delay = Math.min(RETRY_MAX, delay * 2);
      }
    }
    void this.#loop();
  }

  async #loop(): Promise<void> {
    let delay = RETRY_MIN;
    while (!this.#closed) {
      const conn = this.#conn as Dedicated;
      let reply: unknown;
      try {
        reply = await read(conn.send, this.stream, this.#position, this.#count, this.#block);
        delay = RETRY_MIN;
      } catch (err) {
        if (this.#closed) return;
        trace("read failed", { stream: this.stream, error: err, retrying: true });
        await sleep(delay);
        delay = Math.min(RETRY_MAX, delay * 2);
        continue;
      }
      if (this.#closed) return;
      this.#deliver(reply);
    }
  }

  #deliver(reply: unknown): void {
    // XREAD answers [[stream, [[id, fields], ...]]], or nil when the block timed out
    if (!Array.isArray(reply)) return;
    for (const stream of reply) {
      if (!Array.isArray(stream)) continue;
      for (const entry of entriesOf(stream[1])) {
        if (compareIds(entry.id, this.#position) <= 0) continue;
        this.#position = entry.id;
        const handler =
          entry.fields.nsp === undefined ? undefined : this.#handlers.get(entry.fields.nsp);
        try {
          handler?.(entry);
        } catch (err) {
          trace("entry failed", { stream: this.stream, entry: entry.id, error: err });
        }
      }
    }
    if (this.#waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.#waiters) {
      if (compareIds(this.#position, w.id) >= 0) w.resolve();
      else still.push(w);
    }
    this.#waiters = still;
  }
}

function read(send: Send, stream: string, from: string, count: string, block: string) {
  return send(["XREAD", "COUNT", count, "BLOCK", block, "STREAMS", stream, from]);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref?.());
}
