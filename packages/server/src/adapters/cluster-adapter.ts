/**
 * The base of every cluster adapter. Rooms stay in this process (it is an in-memory adapter);
 * what must reach the other nodes becomes a {@link ClusterMessage}, and what comes back from
 * them is handled here: broadcasts, room operations, fetchSockets, serverSideEmit, broadcasts
 * with acks, node liveness and `serverCount()`. A bus adapter (Redis, NATS, Postgres, ...)
 * implements only {@link ClusterAdapter.doPublish} and {@link ClusterAdapter.doPublishResponse}
 * and hands what it receives to {@link ClusterAdapter.onMessage}.
 */
import { randomBytes } from "node:crypto";
import type { SocketPacket } from "@switchboard/protocol";
import { traceCluster } from "../debug.js";
import { BadOptionError, ClusterPublishError, ClusterTimeoutError } from "../errors.js";
import type { AdapterNamespace, BroadcastOptions, Room, SocketDetails } from "./adapter.js";
import {
  type ClusterMessage,
  type ClusterResponse,
  decodeOptions,
  type EncodedBroadcastOptions,
  encodeOptions,
  isClusterResponse,
  ClusterMessageType as M,
} from "./cluster-messages.js";
import { RequestTracker, type Responders } from "./cluster-requests.js";
import { InMemoryAdapter } from "./in-memory-adapter.js";

/** Options of every cluster adapter. */
export interface ClusterAdapterOptions {
  /**
   * Milliseconds to wait for the other nodes' responses (fetchSockets, serverSideEmit with
   * acks, the client counts of a broadcast with acks) before failing with a
   * `ClusterTimeoutError`.
   * @default 5000
   */
  requestsTimeout?: number;
  /**
   * Milliseconds between heartbeats when nothing else was published; 0 sends none.
   * @default 5000
   */
  heartbeatInterval?: number;
  /**
   * Milliseconds of silence after which a node is dropped from `serverCount()` and no request
   * waits for it any more.
   * @default 10000
   */
  heartbeatTimeout?: number;
}

/** Defaults of {@link ClusterAdapterOptions}, frozen. */
export const defaultClusterAdapterOptions = Object.freeze({
  requestsTimeout: 5000,
  heartbeatInterval: 5000,
  heartbeatTimeout: 10_000,
});

function positive(name: string, value: number, allowZero: boolean): number {
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new BadOptionError(`${name} must be a finite number > ${allowZero ? "= " : ""}0`);
  }
  return value;
}

/** A random id (16 hex digits), as Socket.IO's cluster adapters use for nodes and requests. */
export function randomId(): string {
  return randomBytes(8).toString("hex");
}

/**
 * A node's id: 6 random base64url characters (36 bits), as long as the one Socket.IO's Redis
 * adapter gives its nodes. It travels in every broadcast on the bus (the Redis wire format
 * has no shorter form), so its length is paid on every message; a few nodes, or a few
 * thousand, do not collide on 36 bits.
 */
function nodeId(): string {
  return randomBytes(5).toString("base64url").slice(0, 6);
}

/** An in-memory adapter that forwards to, and answers, the other nodes of a cluster. */
export abstract class ClusterAdapter extends InMemoryAdapter {
  /** This node's id for this namespace (6 base64url characters). */
  readonly uid: string = nodeId();
  readonly requestsTimeout: number;
  readonly heartbeatInterval: number;
  readonly heartbeatTimeout: number;
  /** Requests waiting for the other nodes. */
  protected readonly requests = new RequestTracker();
  /** Broadcasts with acks: the ack handler per request id, while acks may still come. */
  readonly #acks = new Map<string, (arg: unknown) => void>();
  /** Other nodes seen, by uid, with when they were last heard from. */
  readonly #nodes = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #publishedSinceTick = false;
  #recounting = false;
  #busDown = false;
  #closed = false;

  constructor(nsp: AdapterNamespace, opts: ClusterAdapterOptions = {}) {
    super(nsp);
    const d = defaultClusterAdapterOptions;
    this.requestsTimeout = positive(
      "requestsTimeout",
      opts.requestsTimeout ?? d.requestsTimeout,
      false,
    );
    this.heartbeatInterval = positive(
      "heartbeatInterval",
      opts.heartbeatInterval ?? d.heartbeatInterval,
      true,
    );
    this.heartbeatTimeout = positive(
      "heartbeatTimeout",
      opts.heartbeatTimeout ?? d.heartbeatTimeout,
      false,
    );
  }

  /**
   * Sends `message` to every node of this namespace (this one may receive it back: it is
   * ignored by uid). Must serialize `message` before its first `await`: the caller goes on
   * using the packet in it.
   */
  protected abstract doPublish(message: ClusterMessage): Promise<void>;

  /** Sends `response` to the node `requesterUid` (or to all: others ignore unknown ids). */
  protected abstract doPublishResponse(
    requesterUid: string,
    response: ClusterResponse,
  ): Promise<void>;

  /**
   * Who a request waits for: by default every node heard from within `heartbeatTimeout`. A bus
   * that counts its subscribers (Redis `PUBSUB NUMSUB`) may return that count minus one.
   */
  protected responders(): Responders | Promise<Responders> {
    return new Set(this.#nodes.keys());
  }

  override init(): void {
    const tick = Math.max(10, Math.min(1000, this.heartbeatInterval || 1000));
    this.#timer = setInterval(() => this.#tick(), tick);
    this.#timer.unref?.();
    this.#send(this.#message({ type: M.INITIAL_HEARTBEAT }), "a heartbeat");
  }

  override close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.requests.failAll();
    this.#acks.clear();
    // Not awaited: with the bus down the notice may never go out, and close() must not hang.
    this.#send(this.#message({ type: M.ADAPTER_CLOSE }), "a close notice");
    super.close();
  }

  /** 1 + the other nodes heard from within `heartbeatTimeout`. */
  override async serverCount(): Promise<number> {
    return 1 + this.#nodes.size;
  }

  // -- to the other nodes -------------------------------------------------------------------

  override broadcast(packet: SocketPacket, opts: BroadcastOptions): void {
    packet.nsp = this.nsp.name;
    if (opts.flags?.local !== true) {
      const data = { packet, opts: encodeOptions(opts) };
      this.#send(this.#message({ type: M.BROADCAST, data }), "a broadcast");
    }
    super.broadcast(packet, opts);
  }

  override broadcastWithAck(
    packet: SocketPacket,
    opts: BroadcastOptions,
    clientCountCallback: (count: number) => void,
    ack: (...args: unknown[]) => void,
  ): void {
    if (opts.flags?.local === true) {
      super.broadcastWithAck(packet, opts, clientCountCallback, ack);
      return;
    }
    packet.nsp = this.nsp.name;
    const requestId = randomId();
    let total = 0;
    let pending = 2; // the local count and the other nodes' counts
    let remoteClients = 0;
    let remoteAcks = 0;
    let countsIn = false;
    const forgetAcksWhenAllIn = () => {
      if (countsIn && remoteAcks >= remoteClients) this.#acks.delete(requestId);
    };
    const counted = () => {
      if (--pending === 0) clientCountCallback(total);
    };
    this.#acks.set(requestId, (arg) => {
      remoteAcks++;
      ack(arg);
      forgetAcksWhenAllIn();
    });
    const timeout = opts.flags?.timeout;
    if (timeout !== undefined) setTimeout(() => this.#acks.delete(requestId), timeout).unref?.();
    const data = { packet, opts: encodeOptions(opts), requestId };
    this.#request(
      "broadcast client count",
      this.#message({ type: M.BROADCAST, data }),
      requestId,
      (r) => {
        if (r.type !== M.BROADCAST_CLIENT_COUNT) return false;
        remoteClients += r.data.clientCount;
        total += r.data.clientCount;
        return true;
      },
    )
      .catch((err: Error) =>
        traceCluster("broadcast with acks failed", {
          adapter: this,
          nsp: this.nsp.name,
          error: err,
        }),
      )
      .finally(() => {
        countsIn = true;
        forgetAcksWhenAllIn();
        counted();
      });
    super.broadcastWithAck(
      packet,
      opts,
      (count) => {
        total += count;
        counted();
      },
      ack,
    );
  }

  override async fetchSockets(opts: BroadcastOptions): Promise<SocketDetails[]> {
    const local = await super.fetchSockets(opts);
    if (opts.flags?.local === true) return local;
    const requestId = randomId();
    const all = [...local];
    const data = { opts: encodeOptions(opts), requestId };
    await this.#request(
      "fetchSockets",
      this.#message({ type: M.FETCH_SOCKETS, data }),
      requestId,
      (r) => {
        if (r.type !== M.FETCH_SOCKETS_RESPONSE) return false;
        for (const s of r.data.sockets) all.push({ ...s, rooms: new Set(s.rooms) });
        return true;
      },
    );
    return all;
  }

  override addSockets(opts: BroadcastOptions, rooms: Room[]): void {
    if (opts.flags?.local !== true) {
      const data = { opts: encodeOptions(opts), rooms };
      this.#send(this.#message({ type: M.SOCKETS_JOIN, data }), "socketsJoin");
    }
    super.addSockets(opts, rooms);
  }

  override delSockets(opts: BroadcastOptions, rooms: Room[]): void {
    if (opts.flags?.local !== true) {
      const data = { opts: encodeOptions(opts), rooms };
      this.#send(this.#message({ type: M.SOCKETS_LEAVE, data }), "socketsLeave");
    }
    super.delSockets(opts, rooms);
  }

  override disconnectSockets(opts: BroadcastOptions, close: boolean): void {
    if (opts.flags?.local !== true) {
      const data = { opts: encodeOptions(opts), close };
      this.#send(this.#message({ type: M.DISCONNECT_SOCKETS, data }), "disconnectSockets");
    }
    super.disconnectSockets(opts, close);
  }

  override serverSideEmit(
    args: unknown[],
    ack?: (err: Error | null, responses: unknown[]) => void,
  ): void {
    if (!ack) {
      const data = { packet: args };
      this.#send(this.#message({ type: M.SERVER_SIDE_EMIT, data }), "serverSideEmit");
      return;
    }
    const requestId = randomId();
    const responses: unknown[] = [];
    const data = { packet: args, requestId };
    this.#request(
      "serverSideEmit",
      this.#message({ type: M.SERVER_SIDE_EMIT, data }),
      requestId,
      (r) => {
        if (r.type !== M.SERVER_SIDE_EMIT_RESPONSE) return false;
        responses.push(r.data.packet);
        return true;
      },
    ).then(
      () => ack(null, responses),
      (err: Error) => ack(err, responses),
    );
  }

  // -- from the other nodes -----------------------------------------------------------------

  /** Handles a checked message (or response) that arrived from the bus. */
  protected onMessage(message: ClusterMessage | ClusterResponse): void {
    if (message.uid === this.uid) return;
    if (message.nsp !== undefined && message.nsp !== this.nsp.name) return;
    if (traceCluster.active) {
      traceCluster("receive", { adapter: this, type: message.type });
    }
    if (message.uid) this.#heardFrom(message.uid, message.type);
    if (isClusterResponse(message)) {
      this.onResponse(message);
      return;
    }
    switch (message.type) {
      case M.BROADCAST:
        this.#onBroadcast(message.uid, message.data);
        break;
      case M.SOCKETS_JOIN:
        super.addSockets(decodeOptions(message.data.opts), message.data.rooms);
        break;
      case M.SOCKETS_LEAVE:
        super.delSockets(decodeOptions(message.data.opts), message.data.rooms);
        break;
      case M.DISCONNECT_SOCKETS:
        super.disconnectSockets(decodeOptions(message.data.opts), message.data.close === true);
        break;
      case M.FETCH_SOCKETS:
        this.#onFetchSockets(message.uid, message.data.opts, message.data.requestId);
        break;
      case M.SERVER_SIDE_EMIT:
        this.#onServerSideEmit(message.uid, message.data.packet, message.data.requestId);
        break;
      case M.ADAPTER_CLOSE:
        this.#forget(message.uid);
        break;
    }
  }

  /** Handles a response to one of this node's requests. */
  protected onResponse(response: ClusterResponse): void {
    if (response.type === M.BROADCAST_ACK) {
      this.#acks.get(response.data.requestId)?.(response.data.packet);
      return;
    }
    this.requests.respond(response);
  }

  #onBroadcast(
    from: string,
    data: Extract<ClusterMessage, { type: typeof M.BROADCAST }>["data"],
  ): void {
    const opts = decodeOptions(data.opts);
    const requestId = data.requestId;
    if (requestId === undefined) {
      super.broadcast(data.packet, opts);
      return;
    }
    super.broadcastWithAck(
      data.packet,
      opts,
      (clientCount) =>
        this.#respond(from, {
          type: M.BROADCAST_CLIENT_COUNT,
          data: { requestId, clientCount },
        }),
      (arg) => this.#respond(from, { type: M.BROADCAST_ACK, data: { requestId, packet: arg } }),
    );
  }

  #onFetchSockets(from: string, opts: EncodedBroadcastOptions, requestId: string): void {
    void super.fetchSockets(decodeOptions(opts)).then((sockets) => {
      const encoded = sockets.map((s) => ({
        id: s.id,
        handshake: s.handshake,
        rooms: [...s.rooms],
        data: s.data,
      }));
      this.#respond(from, {
        type: M.FETCH_SOCKETS_RESPONSE,
        data: { requestId, sockets: encoded },
      });
    });
  }

  #onServerSideEmit(from: string, packet: unknown[], requestId: string | undefined): void {
    if (requestId === undefined) {
      this.nsp.receiveServerSideEmit(packet);
      return;
    }
    let answered = false;
    // One response per node, as Socket.IO: later calls and extra arguments are dropped.
    this.nsp.receiveServerSideEmit(packet, (arg) => {
      if (answered) return;
      answered = true;
      this.#respond(from, { type: M.SERVER_SIDE_EMIT_RESPONSE, data: { requestId, packet: arg } });
    });
  }

  // -- nodes ----------------------------------------------------------------------------------

  #heardFrom(uid: string, type: number): void {
    const known = this.#nodes.has(uid);
    this.#nodes.set(uid, Date.now());
    // A node that just started learns about this one at once instead of at the next heartbeat.
    if (!known && type === M.INITIAL_HEARTBEAT && this.heartbeatInterval > 0) {
      this.#send(this.#message({ type: M.HEARTBEAT }), "a heartbeat");
    }
  }

  #forget(uid: string): void {
    if (!this.#nodes.delete(uid)) return;
    traceCluster("node gone", { adapter: this, nsp: this.nsp.name, uid });
    this.requests.nodeGone(uid);
  }

  #tick(): void {
    const now = Date.now();
    if (this.heartbeatInterval > 0 && !this.#publishedSinceTick) {
      this.#send(this.#message({ type: M.HEARTBEAT }), "a heartbeat");
    }
    this.#publishedSinceTick = false;
    for (const [uid, seen] of this.#nodes) {
      if (now - seen > this.heartbeatTimeout) this.#forget(uid);
    }
    if (this.requests.counting && !this.#recounting) void this.#recount();
  }

  /** Count mode: asks the bus again how many nodes there are, for the requests still waiting. */
  async #recount(): Promise<void> {
    this.#recounting = true;
    try {
      const responders = await this.responders();
      if (typeof responders === "number") this.requests.recount(responders);
    } catch {
      // the bus is down: the requests end at their timeout
    } finally {
      this.#recounting = false;
    }
  }

  // -- publishing -----------------------------------------------------------------------------

  #message<Msg extends Omit<ClusterMessage, "uid" | "nsp">>(msg: Msg): Msg & ClusterMessage {
    return { uid: this.uid, nsp: this.nsp.name, ...msg } as Msg & ClusterMessage;
  }

  /** Publishes without waiting; a failure is reported through `busError` only. */
  #send(message: ClusterMessage, what: string): void {
    this.#publish(message, what).catch(() => {});
  }

  /** Publishes; a failure is reported once per outage (the `error` event), then rethrown. */
  #publish(message: ClusterMessage, what: string): Promise<void> {
    this.#publishedSinceTick = true;
    if (traceCluster.active) {
      traceCluster("publish", { adapter: this, type: message.type });
    }
    let sent: Promise<void>;
    try {
      sent = this.doPublish(message);
    } catch (err) {
      sent = Promise.reject(err);
    }
    return sent.then(
      () => this.busRecovered(),
      (err: unknown) => {
        const error = new ClusterPublishError(what, err);
        this.busError(error);
        throw error;
      },
    );
  }

  #respond(requesterUid: string, response: ClusterResponse): void {
    const full = { ...response, uid: this.uid, nsp: this.nsp.name } as ClusterResponse;
    if (traceCluster.active) {
      traceCluster("publish", { adapter: this, type: full.type });
    }
    let sent: Promise<void>;
    try {
      sent = this.doPublishResponse(requesterUid, full);
    } catch (err) {
      sent = Promise.reject(err);
    }
    sent.catch((err: unknown) => this.busError(new ClusterPublishError("a response", err)));
  }

  /**
   * Publishes a request and waits for its responses: resolves when every expected node has
   * answered, rejects with a coded error on timeout, on a failed publish, or on close.
   */
  #request(
    what: string,
    message: ClusterMessage,
    requestId: string,
    onResponse: (response: ClusterResponse) => boolean,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.requests.start(requestId, what, this.requestsTimeout, onResponse, (err) => {
        if (!err) return resolve();
        if (err instanceof ClusterTimeoutError) {
          traceCluster("request-timeout", { adapter: this, what });
        }
        reject(err);
      });
      this.#publish(message, what).catch((err: Error) => this.requests.fail(requestId, err));
      Promise.resolve()
        .then(() => this.responders())
        .then(
          (responders) => this.requests.expect(requestId, responders),
          (err: unknown) => this.requests.fail(requestId, new ClusterPublishError(what, err)),
        );
    });
  }

  /**
   * Reports a failure of the bus once per outage: the adapter's `error` event, which the server
   * re-emits as `io.on("error")`. Bus adapters call it for their clients' errors too.
   */
  protected busError(err: Error): void {
    if (this.#busDown) return;
    this.#busDown = true;
    traceCluster("bus down", { adapter: this, nsp: this.nsp.name, error: err });
    if (this.listenerCount("error") > 0) this.emit("error", err);
  }

  /** The bus works again: the next failure is reported anew. */
  protected busRecovered(): void {
    if (this.#busDown) traceCluster("bus back", { adapter: this, nsp: this.nsp.name });
    this.#busDown = false;
  }
}
