/**
 * Connection state recovery for one server: snapshots of sockets that disconnected for a
 * recoverable reason and the event packets broadcast since, each tagged with an offset that the
 * client echoes back when it reconnects.
 */
import { randomBytes } from "node:crypto";
import type {
  BroadcastOptions,
  PrivateSessionId,
  RecoveredSnapshot,
  Room,
  SocketSnapshot,
} from "./adapter.js";

interface StoredPacket {
  offset: string;
  emittedAt: number;
  data: unknown[];
  rooms: ReadonlySet<Room>;
  except: ReadonlySet<Room> | undefined;
}

interface StoredSnapshot extends SocketSnapshot {
  disconnectedAt: number;
}

/** Snapshots of disconnected sockets and the packets they may miss, kept for `maxDisconnectionDuration` ms. */
export class RecoveryStore {
  readonly #maxAge: number;
  readonly #sessions = new Map<PrivateSessionId, StoredSnapshot>();
  #packets: StoredPacket[] = [];
  readonly #prefix = randomBytes(6).toString("base64url");
  #counter = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(maxDisconnectionDuration: number) {
    this.#maxAge = maxDisconnectionDuration;
  }

  /** Number of sessions and packets held (for leak tests). */
  get size(): { sessions: number; packets: number } {
    return { sessions: this.#sessions.size, packets: this.#packets.length };
  }

  /** Tags an event's data with a fresh offset (appended as its last element) and keeps it. */
  record(data: unknown[], opts: BroadcastOptions): unknown[] {
    const offset = `${this.#prefix}-${(this.#counter++).toString(36)}`;
    const tagged = [...data, offset];
    this.#packets.push({
      offset,
      emittedAt: Date.now(),
      data: tagged,
      rooms: opts.rooms,
      except: opts.except,
    });
    this.#schedule();
    return tagged;
  }

  /** Keeps a session until it is restored or expires. */
  persist(session: SocketSnapshot): void {
    this.#sessions.set(session.pid, { ...session, disconnectedAt: Date.now() });
    this.#schedule();
  }

  /** The session and the packets it missed after `offset`, or null (unknown, expired, gap). */
  restore(pid: PrivateSessionId, offset: string | undefined): RecoveredSnapshot | null {
    const session = this.#sessions.get(pid);
    if (!session) return null;
    this.#sessions.delete(pid);
    if (session.disconnectedAt + this.#maxAge < Date.now()) return null;
    const index = this.#packets.findIndex((packet) => packet.offset === offset);
    // Without the last offset the client saw, what it missed cannot be known.
    if (index === -1) return null;
    const missedPackets: unknown[][] = [];
    for (let i = index + 1; i < this.#packets.length; i++) {
      const packet = this.#packets[i]!;
      if (reaches(packet, session.rooms)) missedPackets.push(packet.data);
    }
    return {
      sid: session.sid,
      pid: session.pid,
      rooms: session.rooms,
      data: session.data,
      missedPackets,
    };
  }

  /** Drops what has expired. */
  sweep(now = Date.now()): void {
    const limit = now - this.#maxAge;
    for (const [pid, session] of this.#sessions) {
      if (session.disconnectedAt < limit) this.#sessions.delete(pid);
    }
    const firstKept = this.#packets.findIndex((packet) => packet.emittedAt >= limit);
    this.#packets = firstKept === -1 ? [] : this.#packets.slice(firstKept);
    if (this.#sessions.size === 0 && this.#packets.length === 0) this.close();
  }

  /** Stops the sweep timer and forgets everything. */
  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    if (this.#timer) return;
    // Sweep a few times per window; unref'd so that it never holds the process open.
    const every = Math.max(1000, Math.min(60_000, Math.floor(this.#maxAge / 2)));
    this.#timer = setInterval(() => this.sweep(), every);
    this.#timer.unref();
  }
}

function reaches(packet: StoredPacket, rooms: readonly Room[]): boolean {
  const included = packet.rooms.size === 0 || rooms.some((room) => packet.rooms.has(room));
  return included && !rooms.some((room) => packet.except?.has(room) === true);
}
