/**
 * Broadcasting: `io.to(room).except(other).volatile.emit(...)` builds an immutable operator that
 * names its recipients and flags, then hands the packet to the adapter, which encodes it once.
 * `RemoteSocket` (what `fetchSockets()` returns for a socket on another server) is an operator
 * aimed at one socket id, so it lives here too.
 */
import { type SocketPacket, SocketPacketType } from "@switchboard/protocol";
import type { Adapter, BroadcastFlags, Room, SocketDetails, SocketId } from "./adapters/adapter.js";
import { AckTimeoutError, ReservedEventError } from "./errors.js";
import type { Handshake } from "./handshake.js";
import { RESERVED_EVENTS } from "./reserved.js";
import type {
  AckResults,
  DecorateAcknowledgements,
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

/**
 * Recipients and flags of one broadcast; every modifier returns a new operator. `EmitEvents` are
 * the events as this operator's `emit` types them (acks decorated for many responses);
 * `SocketEvents` the same events as one socket takes them, for what `fetchSockets()` returns.
 */
export class BroadcastOperator<
  EmitEvents extends EventsMap,
  SocketData = DefaultSocketData,
  SocketEvents extends EventsMap = EmitEvents,
> {
  readonly #adapter: Adapter;
  readonly #rooms: ReadonlySet<Room>;
  readonly #except: ReadonlySet<Room>;
  readonly #flags: Readonly<BroadcastFlags>;
  /** Aimed at one socket (a RemoteSocket): an ack gets its one response, not an array. */
  readonly #single: boolean;

  /** @internal use `io.to()`, `nsp.to()` or `socket.to()` */
  constructor(
    adapter: Adapter,
    rooms: ReadonlySet<Room> = new Set(),
    except: ReadonlySet<Room> = new Set(),
    flags: Readonly<BroadcastFlags> = {},
    single = false,
  ) {
    this.#adapter = adapter;
    this.#rooms = rooms;
    this.#except = except;
    this.#flags = flags;
    this.#single = single;
  }

  /** Adds rooms to send to (sockets in any of them). */
  to(room: Room | readonly Room[]): BroadcastOperator<EmitEvents, SocketData, SocketEvents> {
    const rooms = new Set(this.#rooms);
    for (const r of toSet(room)) rooms.add(r);
    return new BroadcastOperator(this.#adapter, rooms, this.#except, this.#flags, this.#single);
  }

  /** Alias of {@link BroadcastOperator.to}. */
  in(room: Room | readonly Room[]): BroadcastOperator<EmitEvents, SocketData, SocketEvents> {
    return this.to(room);
  }

  /** Adds rooms whose sockets are left out. */
  except(room: Room | readonly Room[]): BroadcastOperator<EmitEvents, SocketData, SocketEvents> {
    const except = new Set(this.#except);
    for (const r of toSet(room)) except.add(r);
    return new BroadcastOperator(this.#adapter, this.#rooms, except, this.#flags, this.#single);
  }

  /** Whether to ask the transports to compress. @default true */
  compress(compress: boolean): BroadcastOperator<EmitEvents, SocketData, SocketEvents> {
    return this.#with({ compress });
  }

  /** Drops the packet for clients whose transport cannot take it now. */
  get volatile(): BroadcastOperator<EmitEvents, SocketData, SocketEvents> {
    return this.#with({ volatile: true });
  }

  /** Only this server's sockets (matters with a cluster adapter). */
  get local(): BroadcastOperator<EmitEvents, SocketData, SocketEvents> {
    return this.#with({ local: true });
  }

  /** Acks: the callback gets `(err, responses)` after `ms`, or as soon as all have answered. */
  timeout(ms: number): BroadcastOperator<EmitEvents, SocketData, SocketEvents> {
    return this.#with({ timeout: ms });
  }

  #with(flags: BroadcastFlags): BroadcastOperator<EmitEvents, SocketData, SocketEvents> {
    return new BroadcastOperator(
      this.#adapter,
      this.#rooms,
      this.#except,
      { ...this.#flags, ...flags },
      this.#single,
    );
  }

  #opts() {
    return { rooms: this.#rooms, except: this.#except, flags: this.#flags };
  }

  /**
   * Emits to every selected socket. A function as last argument collects the acks: it is called
   * once with `(err, responses)` (for a RemoteSocket, `(err, response)`).
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
    this.#broadcastWithAck(packet, last as (err: Error | null, responses: unknown) => void);
    return true;
  }

  #broadcastWithAck(
    packet: SocketPacket,
    ack: (err: Error | null, responses: unknown) => void,
  ): void {
    const responses: unknown[] = [];
    let expected: number | undefined;
    let done = false;
    const finish = (err: Error | null) => {
      done = true;
      clearTimeout(timer);
      // Socket.IO's shape: one socket answers with its response, or null when it timed out.
      if (this.#single) ack(err, err ? null : responses[0]);
      else ack(err, responses);
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

  /** Emits and resolves with every client's response (a RemoteSocket's: its one response). */
  emitWithAck<Ev extends EventNamesWithAck<EmitEvents>>(
    ev: Ev,
    ...args: EventParamsWithoutAck<EmitEvents, Ev>
  ): Promise<AckResults<EmitEvents, Ev>> {
    return new Promise((resolve, reject) => {
      const ack = (err: Error | null, responses: unknown) =>
        err ? reject(err) : resolve(responses as AckResults<EmitEvents, Ev>);
      (this.emit as (ev: string, ...args: unknown[]) => boolean)(ev as string, ...args, ack);
    });
  }

  /** Ids of the selected sockets (prefer fetchSockets). */
  allSockets(): Promise<Set<SocketId>> {
    return this.#adapter.sockets(this.#rooms.size ? this.#rooms : new Set());
  }

  /** The selected sockets: local ones as they are, others as proxies. */
  async fetchSockets(): Promise<RemoteSocket<SocketEvents, SocketData>[]> {
    const details = await this.#adapter.fetchSockets(this.#opts());
    return details.map((d) => {
      const local = this.#adapter.nsp.sockets.get(d.id);
      return (
        (local as unknown as RemoteSocket<SocketEvents, SocketData> | undefined) ??
        new RemoteSocket<SocketEvents, SocketData>(this.#adapter, d)
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

/** A socket known by its details, local or on another server (what `fetchSockets()` returns). */
export class RemoteSocket<EmitEvents extends EventsMap, SocketData = DefaultSocketData> {
  readonly id: SocketId;
  readonly handshake: Handshake;
  readonly rooms: Set<Room>;
  readonly data: SocketData;
  readonly #operator: BroadcastOperator<EmitEvents, SocketData, EmitEvents>;
  readonly #adapter: Adapter;

  /** @internal */
  constructor(adapter: Adapter, details: SocketDetails) {
    this.id = details.id;
    this.handshake = details.handshake;
    this.rooms = new Set(details.rooms);
    this.data = details.data as SocketData;
    this.#adapter = adapter;
    this.#operator = new BroadcastOperator(adapter, new Set([this.id]), new Set(), {}, true);
  }

  /**
   * Sends an event to this socket. A function as last argument is its ack, called once with
   * `(err, response)`: the socket's one response, as Socket.IO's RemoteSocket gives it.
   */
  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean {
    return this.#operator.emit(ev, ...args);
  }

  /** The ack of the next emit fails with an error after `ms` if the socket has not answered. */
  timeout(ms: number): BroadcastOperator<DecorateAcknowledgements<EmitEvents>, SocketData> {
    return this.#operator.timeout(ms) as unknown as BroadcastOperator<
      DecorateAcknowledgements<EmitEvents>,
      SocketData
    >;
  }

  /** Makes this socket join rooms. */
  join(room: Room | readonly Room[]): void {
    this.#adapter.addSockets({ rooms: new Set([this.id]) }, toSet(room));
  }

  /** Makes this socket leave a room. */
  leave(room: Room): void {
    this.#adapter.delSockets({ rooms: new Set([this.id]) }, [room]);
  }

  /** Disconnects this socket. */
  disconnect(close = false): this {
    this.#adapter.disconnectSockets({ rooms: new Set([this.id]) }, close);
    return this;
  }
}
