/**
 * A namespace: a named channel multiplexed on every connection, with its own middlewares, its
 * sockets, and an adapter that holds its rooms.
 */
import type { SocketPacket } from "@switchboard/protocol";
import type {
  Adapter,
  AdapterConstructor,
  AdapterNamespace,
  RecoveredSnapshot,
  Room,
  SocketId,
} from "./adapters/adapter.js";
import { BroadcastOperator, type RemoteSocket } from "./broadcast-operator.js";
import type { Connection } from "./connection.js";
import { trace } from "./debug.js";
import { ReservedEventError } from "./errors.js";
import { runMiddlewares } from "./middleware.js";
import type { ResolvedServerOptions } from "./options.js";
import type { EncodedFrames } from "./parser.js";
import { NAMESPACE_RESERVED_EVENTS } from "./reserved.js";
import { Socket } from "./socket.js";
import {
  type AckResults,
  type DecorateAcknowledgementsWithMultipleResponses,
  type DefaultEventsMap,
  type DefaultSocketData,
  type EventNames,
  type EventNamesWithAck,
  type EventParams,
  type EventParamsWithoutAck,
  type EventsMap,
  StrictEventEmitter,
} from "./typed-events.js";

/** Events a namespace emits to the application. */
export interface NamespaceReservedEvents<
  ListenEvents extends EventsMap,
  EmitEvents extends EventsMap,
  ServerSideEvents extends EventsMap,
  SocketData,
> {
  connect: (socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>) => void;
  connection: (socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>) => void;
}

/** A namespace middleware: runs for each connecting socket; an error refuses it. */
export type NamespaceMiddleware<
  ListenEvents extends EventsMap,
  EmitEvents extends EventsMap,
  ServerSideEvents extends EventsMap,
  SocketData,
> = (
  socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
  next: (err?: Error & { data?: unknown }) => void,
) => void;

/** What a namespace needs of its server (kept small to avoid a cycle of concrete types). */
export interface NamespaceHost {
  readonly options: ResolvedServerOptions;
  /** The adapter class namespaces instantiate (`io.adapter()`). */
  adapter(): AdapterConstructor;
  /** @internal an adapter reported a failure of its bus */
  _onAdapterError(err: Error): void;
  /** @internal called when a child of a dynamic namespace has no sockets left */
  _onEmptyChild(nsp: Namespace<EventsMap, EventsMap, EventsMap, unknown>): void;
}

type Broadcast<E extends EventsMap, D> = BroadcastOperator<
  DecorateAcknowledgementsWithMultipleResponses<E>,
  D,
  E
>;

/** A namespace, e.g. "/" or "/admin". */
export class Namespace<
    ListenEvents extends EventsMap = DefaultEventsMap,
    EmitEvents extends EventsMap = DefaultEventsMap,
    ServerSideEvents extends EventsMap = DefaultEventsMap,
    SocketData = DefaultSocketData,
  >
  extends StrictEventEmitter<
    ServerSideEvents,
    NamespaceReservedEvents<ListenEvents, EmitEvents, ServerSideEvents, SocketData>
  >
  implements AdapterNamespace
{
  /** The namespace name, starting with "/". */
  readonly name: string;
  /** The server this namespace belongs to. */
  readonly server: NamespaceHost;
  /** Connected sockets of this namespace on this server, by id. */
  readonly sockets = new Map<
    SocketId,
    Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>
  >();
  /** The adapter holding this namespace's rooms (replaced when `io.adapter(...)` is set). */
  adapter!: Adapter;
  /** Set when this namespace was created by a dynamic (RegExp/function) parent. */
  parent: { readonly name: string } | undefined;
  /** @internal */
  _middlewares: NamespaceMiddleware<ListenEvents, EmitEvents, ServerSideEvents, SocketData>[] = [];
  #ids = 0;

  /** @internal use `io.of(name)` */
  constructor(server: NamespaceHost, name: string) {
    super();
    this.server = server;
    this.name = name;
    this._initAdapter();
  }

  /**
   * @internal Creates the adapter from the server's adapter class; a previous adapter is closed
   * and the rooms of this namespace's connected sockets are carried over to the new one.
   */
  _initAdapter(): void {
    const previous = this.adapter as Adapter | undefined;
    const adapter = this.createAdapter();
    this.adapter = adapter;
    adapter.on("error", (err) => this.server._onAdapterError(err));
    settle(adapter.init(), (err) => this.server._onAdapterError(err));
    if (!previous) return;
    for (const [id, rooms] of previous.sids) {
      if (this.sockets.has(id)) settle(adapter.addAll(id, new Set(rooms)), () => {});
    }
    settle(previous.close(), () => {});
  }

  /** @internal subclasses may use another adapter */
  protected createAdapter(): Adapter {
    return new (this.server.adapter())(this);
  }

  /** @internal */
  get connectionStateRecovery(): ResolvedServerOptions["connectionStateRecovery"] {
    return this.server.options.connectionStateRecovery;
  }

  /** @internal */
  get codecLimits(): ResolvedServerOptions["codecLimits"] {
    return this.server.options.codecLimits;
  }

  /** @internal encodes a packet with the server's codec (the custom parser, if any) */
  encode(packet: SocketPacket): EncodedFrames {
    return this.server.options.codec.encode(packet);
  }

  /** @internal */
  get maxPendingAcks(): number {
    return this.server.options.maxPendingAcks;
  }

  /** @internal the namespace-wide ack id counter (shared with its sockets and broadcasts) */
  nextAckId(): number {
    return this.#ids++;
  }

  /** Adds a middleware run for every socket that connects. */
  use(fn: NamespaceMiddleware<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): this {
    this._middlewares.push(fn);
    return this;
  }

  // -- broadcasting --------------------------------------------------------------------------

  #operator(): Broadcast<EmitEvents, SocketData> {
    return new BroadcastOperator(this.adapter);
  }

  /** Targets a room (or rooms). */
  to(room: Room | readonly Room[]): Broadcast<EmitEvents, SocketData> {
    return this.#operator().to(room);
  }

  /** Alias of {@link Namespace.to}. */
  in(room: Room | readonly Room[]): Broadcast<EmitEvents, SocketData> {
    return this.#operator().in(room);
  }

  /** Leaves out the sockets of a room (or rooms). */
  except(room: Room | readonly Room[]): Broadcast<EmitEvents, SocketData> {
    return this.#operator().except(room);
  }

  /** Emits to every socket of the namespace. */
  override emit<Ev extends EventNames<EmitEvents>>(
    ev: Ev,
    ...args: EventParams<EmitEvents, Ev>
  ): boolean {
    return (this.#operator().emit as (ev: string, ...args: unknown[]) => boolean)(
      ev as string,
      ...args,
    );
  }

  /** Emits to every socket and resolves with their responses. */
  emitWithAck<Ev extends EventNamesWithAck<EmitEvents>>(
    ev: Ev,
    ...args: EventParamsWithoutAck<EmitEvents, Ev>
  ): Promise<AckResults<EmitEvents, Ev>> {
    return (
      this.#operator().emitWithAck as (
        ev: string,
        ...args: unknown[]
      ) => Promise<AckResults<EmitEvents, Ev>>
    )(ev as string, ...args);
  }

  /** Emits a "message" event to every socket. */
  send(...args: unknown[]): this {
    (this.#operator().emit as (ev: string, ...args: unknown[]) => boolean)("message", ...args);
    return this;
  }

  /** Alias of {@link Namespace.send}. */
  write(...args: unknown[]): this {
    return this.send(...args);
  }

  /** Whether to compress the next broadcast. */
  compress(compress: boolean): Broadcast<EmitEvents, SocketData> {
    return this.#operator().compress(compress);
  }

  /** The next broadcast may be dropped for busy clients. */
  get volatile(): Broadcast<EmitEvents, SocketData> {
    return this.#operator().volatile;
  }

  /** Only this server's sockets. */
  get local(): Broadcast<EmitEvents, SocketData> {
    return this.#operator().local;
  }

  /** Ack timeout of the next broadcast. */
  timeout(ms: number): Broadcast<EmitEvents, SocketData> {
    return this.#operator().timeout(ms);
  }

  /** The sockets of the namespace (local and, with a cluster adapter, remote). */
  fetchSockets(): Promise<RemoteSocket<EmitEvents, SocketData>[]> {
    return this.#operator().fetchSockets();
  }

  /** Makes every socket join rooms. */
  socketsJoin(room: Room | readonly Room[]): void {
    this.#operator().socketsJoin(room);
  }

  /** Makes every socket leave rooms. */
  socketsLeave(room: Room | readonly Room[]): void {
    this.#operator().socketsLeave(room);
  }

  /** Disconnects every socket. */
  disconnectSockets(close = false): void {
    this.#operator().disconnectSockets(close);
  }

  /** Ids of every socket (prefer fetchSockets). */
  allSockets(): Promise<Set<SocketId>> {
    return this.#operator().allSockets();
  }

  // -- server-side events ------------------------------------------------------------------------

  /**
   * Sends an event to the same namespace on the other servers of the cluster. A function as last
   * argument receives `(err, responses)`.
   * @throws ReservedEventError for "connect", "connection" and "new_namespace"
   */
  serverSideEmit<Ev extends EventNames<ServerSideEvents>>(
    ev: Ev,
    ...args: EventParams<ServerSideEvents, Ev>
  ): boolean {
    if (NAMESPACE_RESERVED_EVENTS.has(ev as string)) throw new ReservedEventError(String(ev));
    const data: unknown[] = [ev, ...args];
    const last = data[data.length - 1];
    if (typeof last === "function") {
      data.pop();
      this.adapter.serverSideEmit(data, last as (err: Error | null, r: unknown[]) => void);
    } else {
      this.adapter.serverSideEmit(data);
    }
    return true;
  }

  /** serverSideEmit that resolves with the other servers' responses. */
  serverSideEmitWithAck(ev: string, ...args: unknown[]): Promise<unknown[]> {
    return new Promise((resolve, reject) => {
      (this.serverSideEmit as (ev: string, ...args: unknown[]) => boolean)(
        ev,
        ...args,
        (err: Error | null, responses: unknown[]) => (err ? reject(err) : resolve(responses)),
      );
    });
  }

  /** @internal a cluster adapter delivers another server's serverSideEmit here */
  receiveServerSideEmit(args: unknown[], ack?: (...responses: unknown[]) => void): void {
    const [ev, ...rest] = args;
    if (typeof ev !== "string" || NAMESPACE_RESERVED_EVENTS.has(ev)) return;
    if (ack) rest.push(ack);
    this.emitUntyped(ev, ...rest);
  }

  // -- connecting --------------------------------------------------------------------------------

  /**
   * @internal Runs a CONNECT: state recovery, then the middlewares, then the connection.
   * `done` gets the socket, or undefined when the connection was refused or abandoned.
   */
  async _add(
    client: Connection,
    auth: Record<string, unknown>,
    done: (
      socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData> | undefined,
    ) => void,
  ): Promise<void> {
    const recovery = this.connectionStateRecovery;
    let snapshot: RecoveredSnapshot | null = null;
    if (recovery && typeof auth.pid === "string") {
      const offset = typeof auth.offset === "string" ? auth.offset : undefined;
      try {
        snapshot = await this.adapter.restoreSession(auth.pid, offset);
      } catch (err) {
        // A store that failed (Redis away) costs the client its missed packets, not its CONNECT.
        trace("restore failed", { nsp: this.name, error: err });
        snapshot = null;
      }
      if (client.closed) return done(undefined);
    }
    const socket = new Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>(
      this,
      client,
      auth,
      snapshot,
    );
    if (snapshot && recovery !== false && recovery.skipMiddlewares)
      return this.#connect(socket, done);
    runMiddlewares(this._middlewares.slice(), socket, (err?: Error & { data?: unknown }) => {
      if (client.closed) {
        // rooms joined from a middleware must not outlive a socket that never connected
        this.adapter.delAll(socket.id);
        return done(undefined);
      }
      if (err) {
        trace("middleware refused", { nsp: this.name, id: socket.id, error: err });
        socket._refuse(err);
        return done(undefined);
      }
      this.#connect(socket, done);
    });
  }

  #connect(
    socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
    done: (
      socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData> | undefined,
    ) => void,
  ): void {
    this.sockets.set(socket.id, socket);
    socket._onconnect();
    done(socket);
    trace("connect", { nsp: this.name, id: socket.id, recovered: socket.recovered });
    this.emitReserved("connect", socket);
    this.emitReserved("connection", socket);
  }

  /** @internal */
  _remove(socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): void {
    this.sockets.delete(socket.id);
    if (this.sockets.size === 0 && this.parent) {
      this.server._onEmptyChild(
        this as unknown as Namespace<EventsMap, EventsMap, EventsMap, unknown>,
      );
    }
  }
}

/** Awaits a possibly asynchronous adapter call without leaving a rejection unhandled. */
function settle(result: void | Promise<void>, onError: (err: Error) => void): void {
  if (result instanceof Promise) {
    result.catch((err: unknown) => onError(err instanceof Error ? err : new Error(String(err))));
  }
}
