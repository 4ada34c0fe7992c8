/**
 * The default adapter: rooms held in this process, broadcasts written directly to local
 * sockets, connection state recovery kept in memory. Emits "create-room", "delete-room",
 * "join-room" and "leave-room" as Socket.IO's adapter does.
 */
import { EventEmitter } from "node:events";
import { type SocketPacket, SocketPacketType } from "@switchboard/protocol";
import { trace } from "../debug.js";
import { NO_FLAGS, writeOptionsOf } from "../emit-flags.js";
import type {
  Adapter,
  AdapterNamespace,
  AdapterSocket,
  BroadcastOptions,
  PrivateSessionId,
  RecoveredSnapshot,
  Room,
  SocketDetails,
  SocketId,
  SocketSnapshot,
  WriteOptions,
} from "./adapter.js";
import { RecoveryStore } from "./recovery-store.js";

/** In-process rooms and broadcasts. */
export class InMemoryAdapter extends EventEmitter implements Adapter {
  readonly nsp: AdapterNamespace;
  readonly rooms = new Map<Room, Set<SocketId>>();
  readonly sids = new Map<SocketId, Set<Room>>();
  readonly #store: RecoveryStore | undefined;

  constructor(nsp: AdapterNamespace) {
    super();
    this.nsp = nsp;
    const recovery = nsp.connectionStateRecovery;
    this.#store =
      recovery && this.keepsSessionsInProcess()
        ? new RecoveryStore(recovery.maxDisconnectionDuration)
        : undefined;
  }

  /** The recovery store, when recovery is on (exposed for inspection and tests). */
  get recoveryStore(): RecoveryStore | undefined {
    return this.#store;
  }

  /**
   * Whether recovery data (sessions, offsets, packets) is kept in this process. An adapter that
   * keeps it elsewhere (a Redis stream) returns false: broadcasts then get no local offset.
   * Called from the constructor: it must not read the subclass's fields.
   */
  protected keepsSessionsInProcess(): boolean {
    return true;
  }

  init(): void {}

  close(): void {
    this.#store?.close();
  }

  async serverCount(): Promise<number> {
    return 1;
  }

  addAll(id: SocketId, rooms: ReadonlySet<Room>): void {
    let joined = this.sids.get(id);
    if (!joined && rooms.size === 1 && rooms.has(id) && !this.rooms.has(id)) {
      // A socket's first join is its own room: one Set {id} is both its room list and that
      // room's member list (~150 bytes less per connection) until either changes (#unshared).
      const both = new Set([id]);
      this.sids.set(id, both);
      this.rooms.set(id, both);
      this.emit("create-room", id);
      this.emit("join-room", id, id);
      return;
    }
    if (!joined) {
      joined = new Set();
      this.sids.set(id, joined);
    }
    for (const room of rooms) {
      if (!joined.has(room)) {
        joined = this.#ownRooms(id);
        joined.add(room);
      }
      let members = this.rooms.get(room);
      if (!members) {
        members = new Set();
        this.rooms.set(room, members);
        this.emit("create-room", room);
      }
      if (!members.has(id)) {
        this.#members(room).add(id);
        this.emit("join-room", room, id);
      }
    }
  }

  del(id: SocketId, room: Room): void {
    if (this.sids.get(id)?.has(room)) this.#ownRooms(id).delete(room);
    this.#removeFromRoom(id, room);
  }

  delAll(id: SocketId): void {
    const joined = this.sids.get(id);
    if (!joined) return;
    for (const room of joined) this.#removeFromRoom(id, room);
    this.sids.delete(id);
  }

  #removeFromRoom(id: SocketId, room: Room): void {
    if (!this.rooms.get(room)?.has(id)) return;
    const members = this.#members(room);
    members.delete(id);
    this.emit("leave-room", room, id);
    if (members.size === 0) {
      this.rooms.delete(room);
      this.emit("delete-room", room);
    }
  }

  /** The room list of socket `id`, made its own first if it is shared with its room. */
  #ownRooms(id: SocketId): Set<Room> {
    const joined = this.sids.get(id)!;
    return joined === this.rooms.get(id) ? this.#unshared(this.sids, id, joined) : joined;
  }

  /** The member list of `room`, made its own first if it is shared with a socket's rooms. */
  #members(room: Room): Set<SocketId> {
    const members = this.rooms.get(room)!;
    return members === this.sids.get(room) ? this.#unshared(this.rooms, room, members) : members;
  }

  #unshared(map: Map<string, Set<string>>, key: string, set: Set<string>): Set<string> {
    const copy = new Set(set);
    map.set(key, copy);
    return copy;
  }

  socketRooms(id: SocketId): ReadonlySet<Room> | undefined {
    return this.sids.get(id);
  }

  async sockets(rooms: ReadonlySet<Room>): Promise<Set<SocketId>> {
    const ids = new Set<SocketId>();
    this.#apply({ rooms }, (socket) => ids.add(socket.id));
    return ids;
  }

  broadcast(packet: SocketPacket, opts: BroadcastOptions): void {
    const write = writeOptions(opts);
    packet.nsp = this.nsp.name;
    if (
      this.#store &&
      packet.type === SocketPacketType.EVENT &&
      packet.id === undefined &&
      !write.volatile &&
      Array.isArray(packet.data)
    ) {
      packet.data = this.#store.record(packet.data, opts);
    }
    const frames = this.nsp.encode(packet);
    const args = Array.isArray(packet.data) ? packet.data : [];
    // Encoded once above; per recipient only the hand-over of the same frames (no closure).
    for (const socket of this.#select(opts)) {
      socket.notifyOutgoing(args);
      socket.writeEncoded(frames, write);
    }
  }

  broadcastWithAck(
    packet: SocketPacket,
    opts: BroadcastOptions,
    clientCountCallback: (count: number) => void,
    ack: (...args: unknown[]) => void,
  ): void {
    const write = writeOptions(opts);
    packet.nsp = this.nsp.name;
    // One id for every recipient: the namespace counter guarantees no socket has it in use.
    const id = this.nsp.nextAckId();
    packet.id = id;
    const frames = this.nsp.encode(packet);
    const args = Array.isArray(packet.data) ? packet.data : [];
    let count = 0;
    this.#apply(opts, (socket) => {
      count++;
      socket.registerAck(id, ack, opts.flags?.timeout);
      socket.notifyOutgoing(args);
      socket.writeEncoded(frames, write);
    });
    clientCountCallback(count);
  }

  async fetchSockets(opts: BroadcastOptions): Promise<SocketDetails[]> {
    const out: SocketDetails[] = [];
    this.#apply(opts, (socket) => {
      out.push({
        id: socket.id,
        handshake: socket.handshake,
        rooms: new Set(this.sids.get(socket.id)),
        data: socket.data,
      });
    });
    return out;
  }

  addSockets(opts: BroadcastOptions, rooms: Room[]): void {
    this.#apply(opts, (socket) => socket.join(rooms));
  }

  delSockets(opts: BroadcastOptions, rooms: Room[]): void {
    this.#apply(opts, (socket) => {
      for (const room of rooms) socket.leave(room);
    });
  }

  disconnectSockets(opts: BroadcastOptions, close: boolean): void {
    this.#apply(opts, (socket) => socket.disconnect(close));
  }

  serverSideEmit(args: unknown[], ack?: (err: Error | null, responses: unknown[]) => void): void {
    // A single server has no peers: nothing to send, no responses to wait for.
    trace("server-side emit alone", { nsp: this.nsp.name, event: String(args[0]) });
    if (ack) queueMicrotask(() => ack(null, []));
  }

  persistSession(session: SocketSnapshot): void {
    this.#store?.persist(session);
  }

  restoreSession(
    pid: PrivateSessionId,
    offset: string | undefined,
  ): RecoveredSnapshot | null | Promise<RecoveredSnapshot | null> {
    return this.#store?.restore(pid, offset) ?? null;
  }

  /** Calls `fn` once for every local socket that `opts` selects, on a snapshot of them. */
  #apply(opts: BroadcastOptions, fn: (socket: AdapterSocket) => void): void {
    for (const socket of this.#select(opts)) fn(socket);
  }

  /**
   * The local sockets `opts` selects, as an array taken before any of them is written to (a
   * listener that joins or leaves rooms does not change who gets this packet).
   */
  #select(opts: BroadcastOptions): AdapterSocket[] {
    const except = this.#exceptIds(opts.except);
    const sockets = this.nsp.sockets;
    const selected: AdapterSocket[] = [];
    const take = (id: SocketId): void => {
      if (except?.has(id)) return;
      const socket = sockets.get(id);
      if (socket) selected.push(socket);
    };
    if (opts.rooms.size === 0) {
      for (const id of this.sids.keys()) take(id);
    } else if (opts.rooms.size === 1) {
      // One room: its members are distinct already, no set of seen ids needed.
      for (const room of opts.rooms) for (const id of this.rooms.get(room) ?? []) take(id);
    } else {
      const seen = new Set<SocketId>();
      for (const room of opts.rooms) {
        for (const id of this.rooms.get(room) ?? []) {
          if (seen.has(id)) continue;
          seen.add(id);
          take(id);
        }
      }
    }
    return selected;
  }

  #exceptIds(except: ReadonlySet<Room> | undefined): Set<SocketId> | undefined {
    if (!except || except.size === 0) return undefined;
    const ids = new Set<SocketId>();
    for (const room of except) {
      const members = this.rooms.get(room);
      if (members) for (const id of members) ids.add(id);
    }
    return ids;
  }
}

/** The write options of a broadcast: its flags read as a socket's emit flags. */
function writeOptions(opts: BroadcastOptions): WriteOptions {
  return writeOptionsOf(opts.flags ?? NO_FLAGS);
}
