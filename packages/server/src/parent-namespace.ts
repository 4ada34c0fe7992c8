/**
 * Dynamic namespaces: `io.of(/^\/room-\d+$/)` or `io.of((name, auth, next) => ...)` creates a
 * parent that spawns a child namespace for each matching name a client asks for. Children
 * inherit the parent's middlewares and "connection" listeners; broadcasting on the parent
 * reaches every child.
 */

import { EventEmitter } from "node:events";
import type { SocketPacket } from "@switchboard/protocol";
import type {
  Adapter,
  AdapterNamespace,
  BroadcastOptions,
  RecoveredSnapshot,
  Room,
  SocketDetails,
  SocketId,
} from "./adapters/adapter.js";
import { Namespace, type NamespaceHost } from "./namespace.js";
import type { Socket } from "./socket.js";
import type { DefaultEventsMap, DefaultSocketData, EventsMap } from "./typed-events.js";

/** Decides whether a namespace name belongs to a dynamic parent. */
export type NamespaceMatcher =
  | RegExp
  | ((
      name: string,
      auth: Record<string, unknown>,
      next: (err: Error | null, matches: boolean) => void,
    ) => void);

let parentCount = 0;

/** The parent of dynamically created namespaces. */
export class ParentNamespace<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = DefaultEventsMap,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = DefaultSocketData,
> extends Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
  /** The children created so far. */
  readonly children = new Set<Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>();
  readonly #matcher: NamespaceMatcher;

  /** @internal use `io.of(regexp | fn)` */
  constructor(server: NamespaceHost, matcher: NamespaceMatcher) {
    super(server, `/_${parentCount++}`);
    this.#matcher = matcher;
  }

  protected override createAdapter(): Adapter {
    return new ParentBroadcastAdapter(this, () => this.children);
  }

  /** @internal whether `name` belongs to this parent */
  _matches(name: string, auth: Record<string, unknown>, fn: (matches: boolean) => void): void {
    const matcher = this.#matcher;
    if (matcher instanceof RegExp) {
      matcher.lastIndex = 0;
      fn(matcher.test(name));
      return;
    }
    try {
      matcher(name, auth, (err, matches) => fn(!err && matches === true));
    } catch {
      fn(false);
    }
  }

  /** @internal creates the child namespace `name` */
  _createChild(name: string): Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
    const child = new Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>(
      this.server,
      name,
    );
    child.parent = this;
    child._middlewares = this._middlewares.slice();
    for (const event of ["connect", "connection"] as const) {
      for (const listener of this.listeners(event)) {
        child.on(
          event,
          listener as (
            socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
          ) => void,
        );
      }
    }
    this.children.add(child);
    return child;
  }
}

type Child = Namespace<EventsMap, EventsMap, EventsMap, unknown>;

/** A parent's adapter: every operation is applied to each child's adapter. */
class ParentBroadcastAdapter extends EventEmitter implements Adapter {
  readonly nsp: AdapterNamespace;
  readonly rooms = new Map<Room, Set<SocketId>>();
  readonly sids = new Map<SocketId, Set<Room>>();
  readonly #children: () => ReadonlySet<Child>;

  constructor(nsp: AdapterNamespace, children: () => ReadonlySet<unknown>) {
    super();
    this.nsp = nsp;
    this.#children = children as () => ReadonlySet<Child>;
  }

  #each(fn: (adapter: Adapter) => void): void {
    for (const child of this.#children()) fn(child.adapter);
  }

  init(): void {}
  close(): void {}
  async serverCount(): Promise<number> {
    return 1;
  }
  addAll(): void {}
  del(): void {}
  delAll(): void {}
  socketRooms(): undefined {
    return undefined;
  }
  async sockets(rooms: ReadonlySet<Room>): Promise<Set<SocketId>> {
    const all = new Set<SocketId>();
    for (const child of this.#children()) {
      for (const id of await child.adapter.sockets(rooms)) all.add(id);
    }
    return all;
  }
  broadcast(packet: SocketPacket, opts: BroadcastOptions): void {
    this.#each((adapter) => adapter.broadcast(copy(packet), opts));
  }
  broadcastWithAck(
    packet: SocketPacket,
    opts: BroadcastOptions,
    clientCountCallback: (count: number) => void,
    ack: (...args: unknown[]) => void,
  ): void {
    const children = [...this.#children()];
    let pending = children.length;
    let total = 0;
    if (pending === 0) {
      clientCountCallback(0);
      return;
    }
    for (const child of children) {
      child.adapter.broadcastWithAck(
        copy(packet),
        opts,
        (count) => {
          total += count;
          if (--pending === 0) clientCountCallback(total);
        },
        ack,
      );
    }
  }
  async fetchSockets(opts: BroadcastOptions): Promise<SocketDetails[]> {
    const all: SocketDetails[] = [];
    for (const child of this.#children()) all.push(...(await child.adapter.fetchSockets(opts)));
    return all;
  }
  addSockets(opts: BroadcastOptions, rooms: Room[]): void {
    this.#each((adapter) => adapter.addSockets(opts, rooms));
  }
  delSockets(opts: BroadcastOptions, rooms: Room[]): void {
    this.#each((adapter) => adapter.delSockets(opts, rooms));
  }
  disconnectSockets(opts: BroadcastOptions, close: boolean): void {
    this.#each((adapter) => adapter.disconnectSockets(opts, close));
  }
  serverSideEmit(_args: unknown[], ack?: (err: Error | null, responses: unknown[]) => void): void {
    if (ack) queueMicrotask(() => ack(null, []));
  }
  persistSession(): void {}
  restoreSession(): RecoveredSnapshot | null {
    return null;
  }
}

function copy(packet: SocketPacket): SocketPacket {
  return { ...packet, data: Array.isArray(packet.data) ? [...packet.data] : packet.data };
}
