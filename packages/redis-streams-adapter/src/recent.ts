/**
 * The recoverable broadcasts of one namespace that this node's reader delivered lately, kept
 * (already decoded) so that a restore replays from memory instead of reading the stream again.
 * When a node goes away its clients come back at once, and each one's range holds every other
 * one's return (its welcome, its own room's packets): read from Redis and decoded per restore,
 * that made a mass recovery quadratic in the number of clients.
 *
 * Coverage: every entry of the namespace after `from` up to the reader's position is here (the
 * reader hands over entries in stream order and never skips one that is still in the stream).
 * A restore may use it only once the client's offset is known to be in the stream: then no entry
 * after it was trimmed before the reader read it (trimming takes the oldest first).
 */
import type { Room } from "@switchboard/server";
import { compareIds } from "./codec.js";

/** One broadcast as delivered: its arguments with the offset, and whom it was for. */
interface Recent {
  readonly id: string;
  /** The event's arguments, the offset last (as delivered). */
  readonly args: readonly unknown[];
  readonly rooms: ReadonlySet<Room>;
  readonly except: ReadonlySet<Room> | undefined;
  readonly bytes: number;
}

/** The namespace's recent recoverable broadcasts, within a byte budget. */
export class RecentBroadcasts {
  readonly #maxBytes: number;
  #entries: Recent[] = [];
  #head = 0;
  #bytes = 0;
  /** Entries after this id are all kept; undefined until the reader's start is known. */
  #from: string | undefined;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** Starts the coverage after `position` (the reader's position when this namespace joined). */
  start(position: string): void {
    this.#from ??= position;
  }

  /** Keeps a broadcast the reader delivered (its arguments with the offset; `bytes`: its entry's size). */
  add(
    id: string,
    args: readonly unknown[],
    rooms: ReadonlySet<Room>,
    except: ReadonlySet<Room> | undefined,
    bytes: number,
  ): void {
    if (this.#from === undefined) return;
    this.#entries.push({ id, args, rooms, except, bytes });
    this.#bytes += bytes;
    while (this.#bytes > this.#maxBytes && this.#head < this.#entries.length) {
      const old = this.#entries[this.#head++] as Recent;
      this.#bytes -= old.bytes;
      this.#from = old.id;
    }
    // drop the evicted slots now and then, not on every eviction
    if (this.#head > 1024 && this.#head * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
  }

  /**
   * The arguments of every broadcast after `offset` that reached a session in `rooms`, in
   * order, or undefined when `offset` is older than what is kept.
   */
  after(offset: string, rooms: readonly Room[]): unknown[][] | undefined {
    if (this.#from === undefined || compareIds(offset, this.#from) < 0) return undefined;
    const entries = this.#entries;
    // binary search for the first entry after the offset
    let lo = this.#head;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareIds((entries[mid] as Recent).id, offset) <= 0) lo = mid + 1;
      else hi = mid;
    }
    const missed: unknown[][] = [];
    for (let i = lo; i < entries.length; i++) {
      const e = entries[i] as Recent;
      const included = e.rooms.size === 0 || rooms.some((room) => e.rooms.has(room));
      if (included && !rooms.some((room) => e.except?.has(room))) missed.push([...e.args]);
    }
    return missed;
  }

  /** Forgets everything (the adapter closed). */
  clear(): void {
    this.#entries = [];
    this.#head = 0;
    this.#bytes = 0;
  }
}
