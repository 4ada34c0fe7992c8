/**
 * What `fetchSockets()` returns for a socket that lives on another server: its details, and
 * operations that go through the adapter to wherever it is.
 */
import type { Adapter, Room, SocketDetails, SocketId } from "./adapters/adapter.js";
import { BroadcastOperator } from "./broadcast-operator.js";
import type { Handshake } from "./handshake.js";
import type { DefaultSocketData, EventNames, EventParams, EventsMap } from "./typed-events.js";

/** A socket known by its details, local or on another server. */
export class RemoteSocket<EmitEvents extends EventsMap, SocketData = DefaultSocketData> {
  readonly id: SocketId;
  readonly handshake: Handshake;
  readonly rooms: Set<Room>;
  readonly data: SocketData;
  readonly #operator: BroadcastOperator<EmitEvents, SocketData>;
  readonly #adapter: Adapter;

  /** @internal */
  constructor(adapter: Adapter, details: SocketDetails) {
    this.id = details.id;
    this.handshake = details.handshake;
    this.rooms = new Set(details.rooms);
    this.data = details.data as SocketData;
    this.#adapter = adapter;
    this.#operator = new BroadcastOperator(adapter, new Set([this.id]));
  }

  /** Sends an event to this socket. */
  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean {
    return this.#operator.emit(ev, ...args);
  }

  /** Makes this socket join rooms. */
  join(room: Room | readonly Room[]): void {
    this.#adapter.addSockets(
      { rooms: new Set([this.id]) },
      typeof room === "string" ? [room] : [...room],
    );
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
