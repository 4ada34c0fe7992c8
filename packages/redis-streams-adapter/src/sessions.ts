/**
 * Session records kept in Redis while their sockets are connected, so that a client whose node
 * died recovers on another. A record is written when its socket connects, rewritten when its
 * rooms or its `data` change, and its expiry pushed back on every refresh; it expires
 * `maxDisconnectionDuration` after the last refresh of its node.
 *
 * Ownership without a lock: every write by this node compares the record with the exact bytes
 * this node wrote last (the record names its writer, so two owners never write the same bytes).
 * A node that restores a session takes the record (read and delete in one script) and writes
 * its own: a late write by the old node then finds other bytes, or none, and stops there.
 */
import {
  type PrivateSessionId,
  type Room,
  type SocketId,
  type SocketSnapshot,
  tracer,
} from "@switchboard/server";
import { encodeRecord } from "./codec.js";
import { Script, type Send } from "./commands.js";

const trace = tracer("redis-streams");

/** Writes ARGV[2] (or only pushes back the expiry when it is "") if the record is ARGV[1]. */
const COMPARE_AND_SET = new Script(`
local current = redis.call('GET', KEYS[1])
if current ~= ARGV[1] then return 0 end
if ARGV[2] == '' then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
else
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
end
return 1`);

/** Deletes the record if it is ARGV[1]. */
const COMPARE_AND_DELETE = new Script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`);

/** Reads and deletes the record in one step: of two nodes, one gets it, the other nil. */
const TAKE = new Script(`
local current = redis.call('GET', KEYS[1])
if current then redis.call('DEL', KEYS[1]) end
return current`);

interface Tracked {
  readonly pid: PrivateSessionId;
  /** The bytes this node wrote last; undefined before the first write. */
  written: string | undefined;
  dirty: boolean;
  /** A write is on its way. */
  busy: boolean;
  /** The socket is gone; the record's last write (or delete) is pending. */
  ending: "persist" | "delete" | undefined;
  final: SocketSnapshot | undefined;
}

/** What the records need from their adapter. */
export interface SessionSource {
  /** This node's id, written into its records. */
  readonly uid: string;
  rooms(sid: SocketId): readonly Room[];
  data(sid: SocketId): unknown;
}

/** The records of one namespace's connected sessions. */
export class SessionRecords {
  readonly #send: Send;
  readonly #prefix: string;
  readonly #ttl: string;
  readonly #source: SessionSource;
  readonly #tracked = new Map<SocketId, Tracked>();
  #scheduled = false;
  #timer: NodeJS.Timeout;

  constructor(
    send: Send,
    prefix: string,
    maxDisconnectionDuration: number,
    refreshEvery: number,
    source: SessionSource,
  ) {
    this.#send = send;
    this.#prefix = prefix;
    this.#ttl = String(maxDisconnectionDuration);
    this.#source = source;
    this.#timer = setInterval(() => this.#refresh(), refreshEvery);
    this.#timer.unref?.();
  }

  /** Number of sessions kept (for leak tests). */
  get size(): number {
    return this.#tracked.size;
  }

  /** Starts keeping the session of socket `sid`. */
  track(sid: SocketId, pid: PrivateSessionId): void {
    this.#tracked.set(sid, {
      pid,
      written: undefined,
      dirty: true,
      busy: false,
      ending: undefined,
      final: undefined,
    });
    this.#schedule();
  }

  /** The rooms or data of `sid` changed. */
  changed(sid: SocketId): void {
    const t = this.#tracked.get(sid);
    if (!t || t.ending) return;
    t.dirty = true;
    this.#schedule();
  }

  /** The socket dropped for a recoverable reason: its last state is written, then let go. */
  persist(session: SocketSnapshot, sid: SocketId): boolean {
    const t = this.#tracked.get(sid);
    if (!t || t.ending) return false;
    t.ending = "persist";
    t.final = session;
    t.dirty = true;
    this.#schedule();
    return true;
  }

  /** The socket is gone for good: its record is deleted (if it is still this node's). */
  removed(sid: SocketId): void {
    const t = this.#tracked.get(sid);
    if (!t || t.ending) return;
    t.ending = "delete";
    t.dirty = true;
    this.#schedule();
  }

  /** Takes the record of `pid` (raw), or null when there is none. */
  async take(pid: PrivateSessionId): Promise<string | null> {
    const raw = await TAKE.run(this.#send, [this.#prefix + pid], []);
    return typeof raw === "string" ? raw : null;
  }

  close(): void {
    clearInterval(this.#timer);
    this.#tracked.clear();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    // changes of one turn (a socket joining several rooms) make one write
    setImmediate(() => {
      this.#scheduled = false;
      for (const [sid, t] of this.#tracked) if (t.dirty && !t.busy) void this.#write(sid, t);
    });
  }

  #refresh(): void {
    for (const [sid, t] of this.#tracked) if (!t.busy) void this.#write(sid, t);
  }

  async #write(sid: SocketId, t: Tracked): Promise<void> {
    const key = this.#prefix + t.pid;
    t.busy = true;
    const wasDirty = t.dirty;
    t.dirty = false;
    let next = "";
    let failed = false;
    try {
      if (t.ending === "delete") {
        if (t.written !== undefined) await COMPARE_AND_DELETE.run(this.#send, [key], [t.written]);
        this.#let(sid, t);
        return;
      }
      if (wasDirty || t.written === undefined) {
        try {
          next = this.#encode(sid, t);
        } catch (err) {
          // data that msgpack cannot carry: this session cannot be kept in Redis
          trace("snapshot not encodable", { sid, error: err });
          this.#let(sid, t);
          return;
        }
      }
      let ok: boolean;
      if (t.written === undefined) {
        await this.#send(["SET", key, next, "PX", this.#ttl]);
        ok = true;
      } else {
        ok =
          (await COMPARE_AND_SET.run(
            this.#send,
            [key],
            [t.written, next === t.written ? "" : next, this.#ttl],
          )) === 1;
      }
      if (!ok) {
        // taken by another node, or expired: it is no longer this node's to keep
        trace("snapshot moved", { sid });
        this.#let(sid, t);
        return;
      }
      if (next !== "") t.written = next;
      if (t.ending === "persist" && !t.dirty) this.#let(sid, t);
    } catch (err) {
      // Redis away: kept, and written at the next refresh (not at once: that would spin)
      if (next !== "" || wasDirty) t.dirty = true;
      failed = true;
      trace("snapshot not written", { sid, error: err });
    } finally {
      t.busy = false;
      if (!failed && t.dirty && this.#tracked.get(sid) === t) this.#schedule();
    }
  }

  #let(sid: SocketId, t: Tracked): void {
    if (this.#tracked.get(sid) === t) this.#tracked.delete(sid);
  }

  #encode(sid: SocketId, t: Tracked): string {
    const s = t.final ?? {
      sid,
      pid: t.pid,
      rooms: [...this.#source.rooms(sid)],
      data: this.#source.data(sid),
    };
    return encodeRecord({
      sid: s.sid,
      pid: s.pid,
      rooms: s.rooms,
      data: s.data,
      node: this.#source.uid,
    });
  }
}
