/**
 * Broadcasting: `io.to(room).except(other).volatile.emit(...)` builds an immutable operator that
 * names its recipients and flags, then hands the packet to the adapter, which encodes it once.
 */
import { type SocketPacket, SocketPacketType } from "@switchboard/protocol";
import type { Adapter, BroadcastFlags, Room, SocketId } from "./adapters/adapter.js";
import { AckTimeoutError, ReservedEventError } from "./errors.js";
import { RemoteSocket } from "./remote-socket.js";
import { RESERVED_EVENTS } from "./reserved.js";
import type {
  AckResults,
  DefaultSocketData,
  EventNames,
  EventNamesWithAck,
  EventParams,
  EventParamsWithoutAck,
  EventsMap,
} from "./typed-events.js";

function toSet(rooms: Room | readonly Room[]): Room[] {
  return typeof rooms === "string" ? [rooms] : [...rooms];
}

/** Recipients and flags of one broadcast; every modifier returns a new operator. */
export class BroadcastOperator<EmitEvents extends EventsMap, SocketData = DefaultSocketData> {
  readonly #adapter: Adapter;
  readonly #rooms: ReadonlySet<Room>;
  readonly #except: ReadonlySet<Room>;
  readonly #flags: Readonly<BroadcastFlags>;

  /** @internal use `io.to()`, `nsp.to()` or `socket.to()` */
  constructor(
    adapter: Adapter,
    rooms: ReadonlySet<Room> = new Set(),
    except: ReadonlySet<Room> = new Set(),
    flags: Readonly<BroadcastFlags> = {},
  ) {
    this.#adapter = adapter;
    this.#rooms = rooms;
    this.#except = except;
    this.#flags = flags;
  }

  /** Adds rooms to send to (sockets in any of them). */
  to(room: Room | readonly Room[]): BroadcastOperator<EmitEvents, SocketData> {
    const rooms = new Set(this.#rooms);
    for (const r of toSet(room)) rooms.add(r);
    return new BroadcastOperator(this.#adapter, rooms, this.#except, this.#flags);
  }

  /** Alias of {@link BroadcastOperator.to}. */
  in(room: Room | readonly Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.to(room);
  }

  /** Adds rooms whose sockets are left out. */
  except(room: Room | readonly Room[]): BroadcastOperator<EmitEvents, SocketData> {
    const except = new Set(this.#except);
    for (const r of toSet(room)) except.add(r);
    return new BroadcastOperator(this.#adapter, this.#rooms, except, this.#flags);
  }

  /** Whether to ask the transports to compress. @default true */
  compress(compress: boolean): BroadcastOperator<EmitEvents, SocketData> {
    return this.#with({ compress });
  }

  /** Drops the packet for clients whose transport cannot take it now. */
  get volatile(): BroadcastOperator<EmitEvents, SocketData> {
    return this.#with({ volatile: true });
  }

  /** Only this server's sockets (matters with a cluster adapter). */
  get local(): BroadcastOperator<EmitEvents, SocketData> {
    return this.#with({ local: true });
  }

  /** Acks: the callback gets `(err, responses)` after `ms`, or as soon as all have answered. */
  timeout(ms: number): BroadcastOperator<EmitEvents, SocketData> {
    return this.#with({ timeout: ms });
  }

  #with(flags: BroadcastFlags): BroadcastOperator<EmitEvents, SocketData> {
    return new BroadcastOperator(this.#adapter, this.#rooms, this.#except, {
      ...this.#flags,
      ...flags,
    });
  }

  #opts() {
    return { rooms: this.#rooms, except: this.#except, flags: this.#flags };
  }

  /**
   * Emits to every selected socket. A function as last argument collects the acks: it is called
   * once with `(err, responses)`.
   * @throws ReservedEventError for Socket.IO's reserved names
   */
  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean {
    if (RESERVED_EVENTS.has(ev as string)) throw new ReservedEventError(String(ev));
    const data: unknown[] = [ev, ...args];
    const packet: SocketPacket = { type: SocketPacketType.EVENT, nsp: "/", data };
    const last = data[data.length - 1];
    if (typeof last !== "function") {
      this.#adapter.broadcast(packet, this.#opts());
      return true;
    }
    data.pop();
    this.#broadcastWithAck(packet, last as (err: Error | null, responses: unknown[]) => void);
    return true;
  }

  #broadcastWithAck(
    packet: SocketPacket,
    ack: (err: Error | null, responses: unknown[]) => void,
  ): void {
    const responses: unknown[] = [];
    let expected: number | undefined;
    let done = false;
    const finish = (err: Error | null) => {
      done = true;
      clearTimeout(timer);
      ack(err, responses);
    };
    const timeout = this.#flags.timeout;
    const timer =
      timeout === undefined ? undefined : setTimeout(() => finish(new AckTimeoutError()), timeout);
    const check = () => {
      if (!done && expected !== undefined && responses.length >= expected) finish(null);
    };
    this.#adapter.broadcastWithAck(
      packet,
      this.#opts(),
      (count) => {
        expected = count;
        check();
      },
      (...args) => {
        if (done) return;
        responses.push(args[0]);
        check();
      },
    );
  }

  /** Emits and resolves with every client's response (rejects on timeout). */
  emitWithAck<Ev extends EventNamesWithAck<EmitEvents>>(
    ev: Ev,
    ...args: EventParamsWithoutAck<EmitEvents, Ev>
  ): Promise<AckResults<EmitEvents, Ev>> {
    return new Promise((resolve, reject) => {
      const ack = (err: Error | null, responses: unknown[]) =>
        err ? reject(err) : resolve(responses as AckResults<EmitEvents, Ev>);
      (this.emit as (ev: string, ...args: unknown[]) => boolean)(ev as string, ...args, ack);
    });
  }

  /** Ids of the selected sockets (prefer fetchSockets). */
  allSockets(): Promise<Set<SocketId>> {
    return this.#adapter.sockets(this.#rooms.size ? this.#rooms : new Set());
  }

  /** The selected sockets: local ones as they are, others as proxies. */
  async fetchSockets(): Promise<RemoteSocket<EmitEvents, SocketData>[]> {
    const details = await this.#adapter.fetchSockets(this.#opts());
    return details.map((d) => {
      const local = this.#adapter.nsp.sockets.get(d.id);
      return (
        (local as unknown as RemoteSocket<EmitEvents, SocketData> | undefined) ??
        new RemoteSocket<EmitEvents, SocketData>(this.#adapter, d)
      );
    });
  }

  /** Makes the selected sockets join rooms. */
  socketsJoin(room: Room | readonly Room[]): void {
    this.#adapter.addSockets(this.#opts(), toSet(room));
  }

  /** Makes the selected sockets leave rooms. */
  socketsLeave(room: Room | readonly Room[]): void {
    this.#adapter.delSockets(this.#opts(), toSet(room));
  }

  /** Disconnects the selected sockets (with `close`, their whole connections). */
  disconnectSockets(close = false): void {
    this.#adapter.disconnectSockets(this.#opts(), close);
  }
}
