/**
 * The Socket.IO-compatible server: options, namespaces (static and dynamic), the engine it runs
 * on, and the main namespace's API (`io.emit`, `io.to`, ...) for convenience.
 */
import type { Server as HttpServer } from "node:http";
import type { Engine } from "@switchboard/engine";
import type { AdapterConstructor, Room, SocketId } from "./adapters/adapter.js";
import type { BroadcastOperator, RemoteSocket } from "./broadcast-operator.js";
import { Connection, type ConnectionHost } from "./connection.js";
import { trace } from "./debug.js";
import { type AttachableEngine, createEngine } from "./engine-binding.js";
import { NotAttachedError } from "./errors.js";
import {
  Namespace,
  type NamespaceHost,
  type NamespaceMiddleware,
  type NamespaceReservedEvents,
} from "./namespace.js";
import { type ResolvedServerOptions, resolveOptions, type ServerOptions } from "./options.js";
import { type NamespaceMatcher, ParentNamespace } from "./parent-namespace.js";
import { Pipeline } from "./pipeline.js";
import { flowControl } from "./policies/flow-control.js";
import { rateLimit } from "./policies/rate-limit.js";
import type { EngineLike, EngineSession } from "./session.js";
import type { Socket } from "./socket.js";
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
  type ReservedOrUserEventNames,
  type ReservedOrUserListener,
  StrictEventEmitter,
} from "./typed-events.js";

/** Events the server emits: the main namespace's, plus "new_namespace". */
export interface ServerReservedEvents<
  ListenEvents extends EventsMap,
  EmitEvents extends EventsMap,
  ServerSideEvents extends EventsMap,
  SocketData,
> extends NamespaceReservedEvents<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
  new_namespace: (nsp: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>) => void;
  /** A cluster adapter lost its bus (Redis down, ...); local delivery goes on meanwhile. */
  error: (err: Error) => void;
}

/** Options of `io.close(options)`. */
export interface CloseOptions {
  /**
   * Drains first: refuse new handshakes (503), close every connection gracefully so that its
   * client reconnects elsewhere, and wait up to this many milliseconds for them to go.
   * @default none (close at once)
   */
  drainTimeout?: number;
}

/** "open" until `close()`. */
export type ServerState = "open" | "closing" | "closed";

type Broadcast<E extends EventsMap, D> = BroadcastOperator<
  DecorateAcknowledgementsWithMultipleResponses<E>,
  D,
  E
>;
type AnyNamespace = Namespace<EventsMap, EventsMap, EventsMap, unknown>;

/** Event names `io.on()` takes: the server's reserved events and the server-side events. */
type ServerEventName<
  L extends EventsMap,
  E extends EventsMap,
  S extends EventsMap,
  D,
> = ReservedOrUserEventNames<ServerReservedEvents<L, E, S, D>, S>;

/** The listener `io.on(ev, listener)` takes for the event `Ev`. */
type ServerListener<
  L extends EventsMap,
  E extends EventsMap,
  S extends EventsMap,
  D,
  Ev extends ServerEventName<L, E, S, D>,
> = ReservedOrUserListener<ServerReservedEvents<L, E, S, D>, S, Ev>;

/** A Socket.IO v5-compatible server. */
export class Server<
    ListenEvents extends EventsMap = DefaultEventsMap,
    EmitEvents extends EventsMap = ListenEvents,
    ServerSideEvents extends EventsMap = DefaultEventsMap,
    SocketData = DefaultSocketData,
  >
  extends StrictEventEmitter<
    ServerSideEvents,
    ServerReservedEvents<ListenEvents, EmitEvents, ServerSideEvents, SocketData>
  >
  implements NamespaceHost, ConnectionHost
{
  /** Options after defaults. */
  readonly options: ResolvedServerOptions;
  /**
   * The policies every connection's outbound and inbound stages run: flow control, then the
   * rate limit when configured. `pipeline.add(policy)` adds one (metrics, logging, ...).
   */
  readonly pipeline: Pipeline;
  /** The main namespace "/". */
  readonly sockets: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  #engine: EngineLike | undefined;
  /** The HTTP server attached to, if any. */
  httpServer: HttpServer | undefined;
  /** @internal every namespace by name */
  readonly _nsps = new Map<
    string,
    Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>
  >();
  readonly #parents: ParentNamespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>[] = [];
  readonly #clients = new Set<Connection>();
  #state: ServerState = "open";
  /** Set while a graceful close waits for the last connection to go. */
  #onAllClosed: (() => void) | undefined;
  #adapter: AdapterConstructor;
  #unbind: (() => void) | undefined;
  #detach: (() => void) | undefined;

  /**
   * `new Server()`, `new Server(options)`, `new Server(httpServer, options)` or
   * `new Server(port, options)` (creates and listens on an HTTP server).
   */
  constructor(srvOrOptions?: HttpServer | number | ServerOptions, options?: ServerOptions) {
    super();
    const isSrv =
      typeof srvOrOptions === "number" ||
      (typeof srvOrOptions === "object" && srvOrOptions !== null && "listen" in srvOrOptions);
    const opts = isSrv ? options : ((srvOrOptions as ServerOptions | undefined) ?? options);
    this.options = resolveOptions(opts);
    this.#adapter = this.options.adapter;
    const limit = this.options.rateLimit;
    this.pipeline = new Pipeline([
      flowControl(this.options.maxBufferedBytes),
      ...(limit === false ? [] : [rateLimit(limit)]),
    ]);
    this.sockets = this.of("/");
    if (isSrv) this.attach(srvOrOptions as HttpServer | number);
  }

  /**
   * The engine carrying the connections (`io.engine.on("connection_error", ...)`,
   * `io.engine.clientsCount`).
   * @throws NotAttachedError before `attach()` or `bind()`
   */
  get engine(): Engine {
    if (!this.#engine) throw new NotAttachedError();
    return this.#engine as Engine;
  }

  /** "open", "closing" or "closed". */
  get state(): ServerState {
    return this.#state;
  }

  /** The adapter class each namespace instantiates. */
  adapter(): AdapterConstructor;
  /**
   * Sets the adapter class (e.g. `io.adapter(createAdapter(pub, sub))`): every existing
   * namespace gets a new adapter of that class, keeping its connected sockets' rooms.
   */
  adapter(adapter: AdapterConstructor): this;
  adapter(adapter?: AdapterConstructor): AdapterConstructor | this {
    if (adapter === undefined) return this.#adapter;
    this.#adapter = adapter;
    for (const nsp of this._nsps.values()) nsp._initAdapter();
    return this;
  }

  /** @internal an adapter's bus failed: `io.on("error")` listeners hear it */
  _onAdapterError(err: Error): void {
    if (this.listenerCount("error") > 0) this.emitReserved("error", err);
    else trace("adapter error", { error: err, listened: false });
  }

  /**
   * Creates an engine with this server's options, attaches it to `srv` (or to a new HTTP server
   * listening on port `srv`) and binds to it.
   */
  attach(srv: HttpServer | number): this {
    const engine: AttachableEngine = createEngine(this.options.engine);
    const { httpServer, detach } = engine.attachTo(
      srv,
      this.options.path,
      this.options.serveClient,
    );
    this.httpServer = httpServer;
    this.#detach = detach;
    return this.bind(engine);
  }

  /** Alias of {@link Server.attach}. */
  listen(srv: HttpServer | number): this {
    return this.attach(srv);
  }

  /**
   * Uses an existing engine. Any object with the engine's `connection` event and `close()` will
   * do (the server relies only on `EngineLike` and `EngineSession`).
   */
  bind(engine: Engine | EngineLike): this {
    this.#unbind?.();
    const onconnection = (session: EngineSession) => {
      if (this.#state !== "open") {
        session.close();
        return;
      }
      this.#clients.add(new Connection(this, session));
    };
    const target = engine as EngineLike;
    target.on("connection", onconnection);
    this.#engine = target;
    this.#unbind = () => target.off("connection", onconnection);
    return this;
  }

  /**
   * The namespace `name` (created on first use), or a dynamic parent for a RegExp or function;
   * `fn` is added as its "connection" listener.
   */
  of(
    name: string | NamespaceMatcher,
    fn?: (socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>) => void,
  ): Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
    if (typeof name !== "string") {
      const parent = new ParentNamespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>(
        this,
        name,
      );
      this.#parents.push(parent);
      if (fn) parent.on("connection", fn);
      return parent;
    }
    const normalized = name.startsWith("/") ? name : `/${name}`;
    let nsp = this._nsps.get(normalized);
    if (!nsp) {
      trace("namespace created", { nsp: normalized });
      nsp = new Namespace(this, normalized);
      this._nsps.set(normalized, nsp);
      if (normalized !== "/") this.emitReserved("new_namespace", nsp);
    }
    if (fn) nsp.on("connection", fn);
    return nsp;
  }

  /** @internal */
  _resolveNamespace(
    name: string,
    auth: Record<string, unknown>,
    fn: (nsp: AnyNamespace | undefined) => void,
  ): void {
    const existing = this._nsps.get(name);
    if (existing) {
      fn(existing as unknown as AnyNamespace);
      return;
    }
    const parents = [...this.#parents];
    const tryNext = (i: number): void => {
      const parent = parents[i];
      if (!parent) {
        fn(undefined);
        return;
      }
      parent._matches(name, auth, (matches) => {
        if (!matches) {
          tryNext(i + 1);
          return;
        }
        let nsp = this._nsps.get(name);
        if (!nsp) {
          nsp = parent._createChild(name);
          this._nsps.set(name, nsp);
          this.emitReserved("new_namespace", nsp);
        }
        fn(nsp as unknown as AnyNamespace);
      });
    };
    tryNext(0);
  }

  /** @internal */
  _onEmptyChild(nsp: AnyNamespace): void {
    if (!this.options.cleanupEmptyChildNamespaces) return;
    const parent = this.#parents.find((p) => p === nsp.parent);
    if (!parent || this._nsps.get(nsp.name) !== (nsp as unknown)) return;
    trace("namespace removed", { nsp: nsp.name });
    this._nsps.delete(nsp.name);
    parent.children.delete(
      nsp as unknown as Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
    );
    void nsp.adapter.close();
  }

  /** @internal */
  _onClientClose(client: Connection): void {
    this.#clients.delete(client);
    if (this.#clients.size === 0) this.#onAllClosed?.();
  }

  /** Number of open engine-level clients (for leak checks). */
  get clientsCount(): number {
    return this.#clients.size;
  }

  /**
   * Closes every socket ("server shutting down"), the adapters, the engine and the HTTP server.
   * With `{ drainTimeout }`, first drains for a deploy: new handshakes are refused with 503 (a
   * load balancer tries another node), every connection is closed gracefully (what it holds
   * for its client is written first, then the engine's close, on which clients reconnect; with
   * connection state recovery, to their state on whichever node takes them), and the close
   * waits up to `drainTimeout` ms for them to go before closing the rest at once.
   */
  async close(
    fnOrOptions?: ((err?: Error) => void) | CloseOptions,
    callback?: (err?: Error) => void,
  ): Promise<void> {
    const fn = typeof fnOrOptions === "function" ? fnOrOptions : callback;
    const options = typeof fnOrOptions === "object" ? fnOrOptions : undefined;
    if (this.#state !== "open") {
      fn?.();
      return;
    }
    this.#state = "closing";
    if (options?.drainTimeout !== undefined) await this.#drain(options.drainTimeout);
    for (const client of [...this.#clients]) client._closeSockets("server shutting down");
    for (const nsp of this._nsps.values()) await nsp.adapter.close();
    this.#unbind?.();
    this.#engine?.close();
    // An engine closes its sessions; close whatever one left open (and its timers) ourselves.
    for (const client of [...this.#clients]) client.close();
    // Stay attached until the HTTP server has closed: a request arriving meanwhile is answered by
    // the engine (unknown sid) instead of reaching no listener and holding close() open.
    const httpServer = this.httpServer;
    if (httpServer?.listening) {
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    }
    this.#detach?.();
    this.#state = "closed";
    fn?.();
  }

  /** Closes every connection gracefully; resolves when all are gone or after `timeout` ms. */
  async #drain(timeout: number): Promise<void> {
    (this.#engine as Partial<Engine> | undefined)?.refuseHandshakes?.();
    if (this.#clients.size === 0) return;
    const gone = new Promise<void>((resolve) => {
      this.#onAllClosed = resolve;
    });
    for (const client of [...this.#clients]) {
      client._closeSockets("server shutting down");
      client.close();
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeout);
    });
    await Promise.race([gone, late]);
    clearTimeout(timer);
    this.#onAllClosed = undefined;
  }

  // -- listeners other than "new_namespace" go to the main namespace ------------------------------
  // ("connection", and events from other servers' serverSideEmit, as in Socket.IO)

  override on<Ev extends ServerEventName<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>(
    ev: Ev,
    listener: ServerListener<ListenEvents, EmitEvents, ServerSideEvents, SocketData, Ev>,
  ): this {
    return this.#route("on", ev, listener);
  }

  override once<Ev extends ServerEventName<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>(
    ev: Ev,
    listener: ServerListener<ListenEvents, EmitEvents, ServerSideEvents, SocketData, Ev>,
  ): this {
    return this.#route("once", ev, listener);
  }

  override off<Ev extends ServerEventName<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>(
    ev: Ev,
    listener: ServerListener<ListenEvents, EmitEvents, ServerSideEvents, SocketData, Ev>,
  ): this {
    return this.#route("off", ev, listener);
  }

  /** "new_namespace" and "error" stay on the server; every other event goes to "/". */
  #route(method: "on" | "once" | "off", ev: string | symbol, listener: unknown): this {
    if (ev === "new_namespace" || ev === "error") super[method](ev, listener as never);
    else this.sockets[method](ev as "connection", listener as never);
    return this;
  }

  // -- the main namespace's API -----------------------------------------------------------------

  /** Adds a middleware to the main namespace. */
  use(fn: NamespaceMiddleware<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): this {
    this.sockets.use(fn);
    return this;
  }

  /** Targets a room of the main namespace. */
  to(room: Room | readonly Room[]): Broadcast<EmitEvents, SocketData> {
    return this.sockets.to(room);
  }

  /** Alias of {@link Server.to}. */
  in(room: Room | readonly Room[]): Broadcast<EmitEvents, SocketData> {
    return this.sockets.in(room);
  }

  /** Leaves out a room of the main namespace. */
  except(room: Room | readonly Room[]): Broadcast<EmitEvents, SocketData> {
    return this.sockets.except(room);
  }

  /** Emits to every socket of the main namespace. */
  override emit<Ev extends EventNames<EmitEvents>>(
    ev: Ev,
    ...args: EventParams<EmitEvents, Ev>
  ): boolean {
    return this.sockets.emit(ev, ...args);
  }

  /** Emits to every socket of the main namespace and resolves with the responses. */
  emitWithAck<Ev extends EventNamesWithAck<EmitEvents>>(
    ev: Ev,
    ...args: EventParamsWithoutAck<EmitEvents, Ev>
  ): Promise<AckResults<EmitEvents, Ev>> {
    return this.sockets.emitWithAck(ev, ...args);
  }

  /** Emits a "message" event to the main namespace. */
  send(...args: unknown[]): this {
    this.sockets.send(...args);
    return this;
  }

  /** Alias of {@link Server.send}. */
  write(...args: unknown[]): this {
    return this.send(...args);
  }

  /** Sends an event to the other servers of the cluster. */
  serverSideEmit<Ev extends EventNames<ServerSideEvents>>(
    ev: Ev,
    ...args: EventParams<ServerSideEvents, Ev>
  ): boolean {
    return this.sockets.serverSideEmit(ev, ...args);
  }

  /** serverSideEmit resolving with the other servers' responses. */
  serverSideEmitWithAck(ev: string, ...args: unknown[]): Promise<unknown[]> {
    return this.sockets.serverSideEmitWithAck(ev, ...args);
  }

  /** The sockets of the main namespace. */
  fetchSockets(): Promise<RemoteSocket<EmitEvents, SocketData>[]> {
    return this.sockets.fetchSockets();
  }

  /** Makes every socket of the main namespace join rooms. */
  socketsJoin(room: Room | readonly Room[]): void {
    this.sockets.socketsJoin(room);
  }

  /** Makes every socket of the main namespace leave rooms. */
  socketsLeave(room: Room | readonly Room[]): void {
    this.sockets.socketsLeave(room);
  }

  /** Disconnects every socket of the main namespace. */
  disconnectSockets(close = false): void {
    this.sockets.disconnectSockets(close);
  }

  /** Ids of the main namespace's sockets. */
  allSockets(): Promise<Set<SocketId>> {
    return this.sockets.allSockets();
  }

  /** Compression of the next broadcast. */
  compress(compress: boolean): Broadcast<EmitEvents, SocketData> {
    return this.sockets.compress(compress);
  }

  /** The next broadcast may be dropped for busy clients. */
  get volatile(): Broadcast<EmitEvents, SocketData> {
    return this.sockets.volatile;
  }

  /** Only this server's sockets. */
  get local(): Broadcast<EmitEvents, SocketData> {
    return this.sockets.local;
  }

  /** Ack timeout of the next broadcast. */
  timeout(ms: number): Broadcast<EmitEvents, SocketData> {
    return this.sockets.timeout(ms);
  }
}
