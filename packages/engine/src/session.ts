/**
 * A session: one Engine.IO client, whatever transport carries it. Holds the write queue, the
 * heartbeat and at most one upgrade attempt; its only state is {@link Session.state}.
 */
import { EventEmitter } from "node:events";
import type { IncomingMessage } from "node:http";
import type { EnginePacket, OpenPacketData } from "@switchboard/protocol";
import { trace } from "./debug.js";
import type { EngineError } from "./errors.js";
import { type HandshakeRequest, keepRequest } from "./handshake-request.js";
import type { ResolvedEngineOptions } from "./options.js";
import type { ServerTransport, TransportFailure, TransportSink } from "./transport.js";
import { UpgradeAttempt } from "./upgrade.js";

/**
 * The life of a session; it only moves forward. "opening": the open packet is sent, but the
 * session is held (no "connection", packets ignored) until its origin is proven, for transports
 * whose GETs carry no `Origin` (jsonp, htmlfile); other sessions are "open" at once.
 */
export type SessionState = "opening" | "open" | "closing" | "closed";

/** Why a session closed (the first argument of its "close" event). */
export type SessionCloseReason =
  | "transport close"
  | "transport error"
  | "ping timeout"
  | "parse error"
  | "forced close"
  | "server shutting down";

/** What a session shows of its transport. */
export interface SessionTransport {
  /** "polling", "websocket", "sse", "jsonp" or "htmlfile". */
  readonly name: string;
  /** Whether the transport can take a write now. */
  readonly writable: boolean;
}

/** Data `session.send()` accepts. */
export type SendData = string | Buffer | ArrayBuffer | ArrayBufferView;

/** Options of one `session.send()`. */
export interface SendOptions {
  /** Whether the transport may compress the message. @default true */
  compress?: boolean;
  /**
   * The message ends the write it goes in: what is sent after it leaves in a later write, once
   * the event loop has turned, so that a peer that reads one message and only then listens for
   * the next (a `ws` client awaiting `once(ws, "message")`) reads it alone. For the first
   * messages of an exchange (a namespace's CONNECT answer); batching is otherwise unchanged.
   * @default false
   */
  separate?: boolean;
}

/** What the engine lends to each session. */
export interface SessionContext {
  readonly options: ResolvedEngineOptions;
  /** Transports a session currently on `transport` may upgrade to. */
  upgradesOf(transport: string): readonly string[];
  /** Called once as the session closes, before its "close" event. */
  sessionClosed(session: Session): void;
}

/** Events of a session and their arguments. */
export interface SessionEvents {
  message: [data: string | Buffer];
  close: [reason: SessionCloseReason, description?: Error];
  upgrading: [transport: SessionTransport];
  upgrade: [transport: SessionTransport];
  /** An upgrade to `transport` was abandoned: the session stays on its current transport. */
  upgradeFailed: [transport: SessionTransport, error: EngineError];
  drain: [];
  packet: [packet: EnginePacket];
  packetCreate: [packet: EnginePacket];
  heartbeat: [];
}

/** A batch's send options, shared instead of one object per batch. */
const COMPRESSED = Object.freeze({ compress: true });
const UNCOMPRESSED = Object.freeze({ compress: false });

/** How often the old transport is released again while an upgrade waits for `5` (ms). */
const RELEASE_REPEAT = 200;

interface Queued {
  readonly packet: EnginePacket;
  readonly compress: boolean;
  readonly size: number;
  readonly callback: (() => void) | undefined;
  readonly separate: boolean;
}

function sizeOf(data: EnginePacket["data"]): number {
  if (data === undefined) return 0;
  if (typeof data === "string") return Buffer.byteLength(data);
  return (data as ArrayBufferLike | ArrayBufferView).byteLength;
}

/**
 * One client of the engine. Created by the engine at the handshake. It is its transport's sink
 * (the `onTransport*` methods): a session allocates nothing per transport report.
 */
export class Session extends EventEmitter<SessionEvents> implements TransportSink {
  /** The session id (`sid`). */
  readonly id: string;
  /**
   * The handshake request if a middleware attached something to it (`req.session`), else a
   * snapshot of it: method, url, headers, httpVersion, socket (see handshake-request.ts).
   */
  readonly request: HandshakeRequest;
  /** Engine.IO protocol revision. */
  readonly protocol = 4 as const;
  /** The client's address as seen on the handshake's socket. */
  readonly remoteAddress: string;
  private _state: SessionState = "opening";
  private _transport: ServerTransport;
  private upgrade: UpgradeAttempt | null = null;
  private queue: Queued[] = [];
  private queuedBytes = 0;
  private batchesInFlight = 0;
  private flushScheduled = false;
  /** Messages queued with `separate` (none, nearly always: a flush then never looks for one). */
  private separateQueued = 0;
  /** Writes wait for the event loop to turn after a `separate` message went out. */
  private heldForTurn = false;
  private pingTimer: NodeJS.Timeout | undefined;
  private pongTimer: NodeJS.Timeout | undefined;
  private releaseTimer: NodeJS.Timeout | undefined;
  /** Bounds the "closing" state (a client that never polls again, a peer that stops reading). */
  private closeTimer: NodeJS.Timeout | undefined;
  /** The old transport closed while an upgrade waited for `5` (see onTransportClose). */
  private previousClosed = false;
  /** Reading from the peer is paused ({@link Session.pause}); a new transport inherits it. */
  private readingPaused = false;

  /** @internal Sessions are created by the engine. */
  constructor(
    id: string,
    request: IncomingMessage,
    transport: ServerTransport,
    private readonly ctx: SessionContext,
  ) {
    super();
    this.id = id;
    this.request = keepRequest(request);
    this.remoteAddress = request.socket.remoteAddress ?? "";
    this._transport = transport;
    transport.setSink(this);
  }

  /** "opening" → "open" → "closing" → "closed". */
  get state(): SessionState {
    return this._state;
  }
  /** The transport in use. */
  get transport(): SessionTransport {
    return this._transport;
  }
  /** @internal The transport itself, for the engine's routing of HTTP requests. */
  get rawTransport(): ServerTransport {
    return this._transport;
  }
  /**
   * Bytes sent and not yet handed to the operating system: what waits in the session's queue
   * plus what its transport holds (a WebSocket's send buffer, a poll's answer being written, a
   * stream's pending writes). "drain" is emitted when it all went out.
   */
  get bufferedAmount(): number {
    return this.queuedBytes + this._transport.bufferedAmount;
  }

  /** Whether reading from the peer is paused. */
  get isPaused(): boolean {
    return this.readingPaused;
  }

  /**
   * Stops reading from the peer: its bytes wait in the kernel (a POST is held unanswered), so a
   * client that sends faster than it reads is slowed down by TCP instead of growing memory.
   */
  pause(): void {
    if (this.readingPaused) return;
    this.readingPaused = true;
    this._transport.pause();
  }

  /** Reads from the peer again. */
  resume(): void {
    if (!this.readingPaused) return;
    this.readingPaused = false;
    this._transport.resume();
  }
  /** Whether a write would go to the transport right now (no upgrade holding writes back). */
  get writable(): boolean {
    return this._state === "open" && this.upgrade?.state !== "probed" && this._transport.writable;
  }

  private setState(next: SessionState): void {
    trace("session state", { sid: this.id, from: this._state, to: next });
    this._state = next;
  }

  /**
   * @internal Queues the open packet and starts the heartbeat; unless `held`, the session is
   * "open" (and `initialPacket` queued) at once, else that waits for {@link Session.confirm}.
   */
  open(
    held = false,
    upgrades: readonly string[] = this.ctx.upgradesOf(this._transport.name),
  ): void {
    // The handshake request itself may have failed (its client left while it was checked).
    if (this._state === "closed") return;
    const o = this.ctx.options;
    const data: OpenPacketData = {
      sid: this.id,
      upgrades: [...upgrades],
      pingInterval: o.pingInterval,
      pingTimeout: o.pingTimeout,
      maxPayload: o.maxHttpBufferSize,
    };
    this.enqueue({ type: "open", data: JSON.stringify(data) }, false, undefined);
    // The open packet alone answers the handshake; anything else follows it separately.
    this.flush();
    // A held session is pinged too: one whose origin is never proven times out.
    this.schedulePing();
    if (!held) this.confirm();
  }

  /**
   * @internal Moves a held session from "opening" to "open" (its origin is proven); returns
   * whether it did.
   */
  confirm(): boolean {
    if (this._state !== "opening") return false;
    this.setState("open");
    const initial = this.ctx.options.initialPacket;
    if (initial !== undefined) this.enqueue({ type: "message", data: initial }, true, undefined);
    return true;
  }

  /**
   * Queues a message; queued packets go out together once per tick. `callback` runs once the
   * message has been written to the transport. Ignored once the session is closing.
   */
  send(data: SendData, options?: SendOptions, callback?: () => void): this {
    if (this._state === "opening" || this._state === "open") {
      const separate = options?.separate === true;
      this.enqueue({ type: "message", data }, options?.compress ?? true, callback, separate);
    }
    return this;
  }

  /**
   * Closes gracefully: messages still queued or being written are flushed first, then the
   * transport closes (with the close packet), within `pingInterval + pingTimeout` at most. With
   * no message left to deliver, or with `discard`, the session closes at once and releases
   * everything (a poll then answers with the close packet if one is waiting; the next poll of
   * an absent client finds no session). An upgrade in progress is abandoned (its WebSocket
   * closed); once its probe succeeded the client has paused the old transport, so nothing more
   * can reach it there: the session then closes at once.
   */
  close(discard = false): void {
    if (this._state !== "opening" && this._state !== "open") return;
    if (discard || !this.hasMessagesToDeliver()) {
      this.finish("forced close");
      return;
    }
    this.setState("closing");
    // No heartbeat while closing: the close timer bounds how long this takes.
    clearTimeout(this.pingTimer);
    clearTimeout(this.pongTimer);
    clearInterval(this.releaseTimer);
    const paused = this.upgrade?.state === "probed";
    this.upgrade?.abort();
    this.upgrade = null;
    if (paused) {
      trace("close during upgrade", { sid: this.id, transport: this._transport.name });
      this.flush();
      this.finish("forced close");
      return;
    }
    const o = this.ctx.options;
    this.closeTimer = setTimeout(() => this.finish("forced close"), o.pingInterval + o.pingTimeout);
    this.flush();
    this.closeWhenFlushed();
  }

  /** Whether a message is queued, or a batch is still being written. */
  private hasMessagesToDeliver(): boolean {
    if (this.batchesInFlight > 0) return true;
    for (const queued of this.queue) if (queued.packet.type === "message") return true;
    return false;
  }

  /** @internal Closes at once, without flushing (engine shutdown, a refused request). */
  terminate(reason: SessionCloseReason, description?: EngineError): void {
    this.finish(reason, description);
  }

  /** Whether an upgrade is in progress (a new transport is being probed). */
  get upgrading(): boolean {
    return this.upgrade !== null;
  }

  /** @internal The transport an upgrade in progress is moving to (its requests go there). */
  get upgradingTo(): ServerTransport | undefined {
    return this.upgrade?.transport;
  }

  /** @internal Whether an upgrade to `transportName` may start now. */
  canUpgradeTo(transportName: string): boolean {
    return (
      this._state === "open" &&
      this.upgrade === null &&
      this.ctx.upgradesOf(this._transport.name).includes(transportName)
    );
  }

  /**
   * @internal Starts an upgrade onto `transport`: an open WebSocket, or an HTTP stream about to
   * get its GET (the probe then comes in a POST of that transport).
   */
  startUpgrade(transport: ServerTransport): void {
    this.upgrade = new UpgradeAttempt(transport, this.ctx.options.upgradeTimeout, {
      probed: (t) => {
        this.emit("upgrading", t);
        this.releaseOldTransport();
        // A stream's peer may read the noop before it reads `3probe` and so miss it: repeat it
        // until the upgrade ends (a poll is only released when the client polls again).
        this.releaseTimer = setInterval(() => this.releaseOldTransport(), RELEASE_REPEAT);
      },
      complete: (t) => this.completeUpgrade(t),
      failed: (error) => {
        clearInterval(this.releaseTimer);
        const attempted = this.upgrade?.transport;
        this.upgrade = null;
        if (attempted) this.emit("upgradeFailed", attempted, error);
        if (this.previousClosed) this.finish("transport close");
        else this.flush();
      },
    });
  }

  private completeUpgrade(next: ServerTransport): void {
    clearInterval(this.releaseTimer);
    const previous = this._transport;
    this.upgrade = null;
    // "discard" keeps the sink for a POST still arriving on the old transport, then drops it.
    previous.close("discard");
    previous.setSink(null);
    this._transport = next;
    next.setSink(this);
    if (this.readingPaused) next.pause();
    trace("session upgraded", { sid: this.id, from: previous.name, to: next.name });
    this.emit("upgrade", next);
    this.flush();
  }

  /** A poll waiting on the old transport is answered with a noop so that the client can move. */
  private releaseOldTransport(): void {
    if (this._transport.writable) this._transport.send([{ type: "noop" }], { compress: false });
  }

  private enqueue(
    packet: EnginePacket,
    compress: boolean,
    callback: (() => void) | undefined,
    separate = false,
  ) {
    const size = sizeOf(packet.data);
    this.queue.push({ packet, compress, size, callback, separate });
    if (separate) this.separateQueued++;
    this.queuedBytes += size;
    this.emit("packetCreate", packet);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(Session.scheduledFlush, this);
    }
  }

  /**
   * The queue up to its first `separate` message, which ends the batch; the rest stays queued
   * until the event loop has turned twice: the turn in which this batch is written ends, and in
   * the next one the peer's I/O is read (a peer in this process too) before the rest follows.
   */
  private takeUntilSeparate(): Queued[] {
    const end = this.queue.findIndex((queued) => queued.separate) + 1;
    const batch = this.queue.slice(0, end);
    this.queue = this.queue.slice(end);
    this.separateQueued--;
    for (const queued of batch) this.queuedBytes -= queued.size;
    this.heldForTurn = true;
    setImmediate(Session.afterWriteTurn, this);
    return batch;
  }

  private static afterWriteTurn(session: Session): void {
    setImmediate(Session.afterPeerTurn, session);
  }

  private static afterPeerTurn(session: Session): void {
    session.heldForTurn = false;
    session.flush();
  }

  /** The once-per-tick flush (static: no closure per scheduling). */
  private static scheduledFlush(session: Session): void {
    session.flushScheduled = false;
    session.flush();
  }

  private flush(): void {
    if (this._state === "closed" || this.queue.length === 0 || this.heldForTurn) return;
    if (this.upgrade?.state === "probed" || !this._transport.writable) return;
    const batch = this.separateQueued === 0 ? this.queue : this.takeUntilSeparate();
    if (batch === this.queue) {
      this.queue = [];
      this.queuedBytes = 0;
    }
    this.batchesInFlight++;
    // One pass over the batch: its packets, whether any asks for compression, its callbacks.
    const packets: EnginePacket[] = new Array(batch.length);
    let compress = false;
    let callbacks: (() => void)[] | undefined;
    for (let i = 0; i < batch.length; i++) {
      const queued = batch[i]!;
      packets[i] = queued.packet;
      if (queued.compress) compress = true;
      if (queued.callback) {
        callbacks ??= [];
        callbacks.push(queued.callback);
      }
    }
    const options = compress ? COMPRESSED : UNCOMPRESSED;
    this._transport.send(packets, options, () => this.onBatchWritten(callbacks));
  }

  private onBatchWritten(callbacks: readonly (() => void)[] | undefined): void {
    this.batchesInFlight--;
    if (callbacks) for (const callback of callbacks) callback();
    if (this.queue.length === 0 && this.batchesInFlight === 0) {
      if (this._state === "open") this.emit("drain");
      this.closeWhenFlushed();
    }
  }

  private closeWhenFlushed(): void {
    if (this._state !== "closing" || this.queue.length > 0 || this.batchesInFlight > 0) return;
    this._transport.close("graceful", () => this.finish("forced close"));
  }

  /**
   * @internal The transport's report: its peer closed it. A client that paused its old
   * transport for an upgrade may close it (a stream) before the server reads its `5` on the new
   * one: the session then waits for the upgrade to end.
   */
  onTransportClose(): void {
    if (this.upgrade?.state === "probed") this.previousClosed = true;
    else this.finish("transport close");
  }

  /** @internal The transport's report: it can take a write. */
  onTransportDrain(): void {
    if (this.upgrade?.state === "probed") this.releaseOldTransport();
    else this.flush();
  }

  /** @internal The transport's report: it failed. */
  onTransportError(reason: TransportFailure, error: EngineError): void {
    this.finish(reason, error);
  }

  /** @internal The transport's report: a packet from the client. */
  onTransportPacket(packet: EnginePacket): void {
    // A client that closes while the server closes: nothing is left to wait for.
    if (this._state === "closing" && packet.type === "close") this.finish("forced close");
    if (this._state !== "open") return;
    this.emit("packet", packet);
    switch (packet.type) {
      case "pong":
        clearTimeout(this.pongTimer);
        // Not kept between heartbeats: ~120 bytes per idle session.
        this.pongTimer = undefined;
        this.schedulePing();
        this.emit("heartbeat");
        return;
      case "message":
        this.emit("message", (packet.data ?? "") as string | Buffer);
        return;
      case "close":
        this.finish("transport close");
        return;
      default:
        // open, ping, upgrade and noop mean nothing from a v4 client on an open session.
        trace("packet ignored", { sid: this.id, type: packet.type });
    }
  }

  private schedulePing(): void {
    clearTimeout(this.pingTimer);
    this.pingTimer = setTimeout(Session.pingDue, this.ctx.options.pingInterval, this);
  }

  /** The heartbeat's timers call these with the session (static: no closure per session). */
  private static pingDue(session: Session): void {
    if (session._state !== "open" && session._state !== "opening") return;
    session.enqueue({ type: "ping" }, false, undefined);
    session.pongTimer = setTimeout(Session.pongMissed, session.ctx.options.pingTimeout, session);
  }

  private static pongMissed(session: Session): void {
    session.finish("ping timeout");
  }

  /** The one way into "closed": everything is released, "close" is emitted once. */
  private finish(reason: SessionCloseReason, description?: EngineError): void {
    if (this._state === "closed") return;
    this.setState("closed");
    clearTimeout(this.pingTimer);
    clearTimeout(this.pongTimer);
    clearInterval(this.releaseTimer);
    clearTimeout(this.closeTimer);
    this.upgrade?.abort();
    this.upgrade = null;
    this.queue = [];
    this.queuedBytes = 0;
    this.separateQueued = 0;
    this._transport.setSink(null);
    // The peer that closed needs no close packet: a poll it left waiting is released with a noop.
    // So is a page whose origin was refused: the refusal (403) tells it why, and a close packet
    // racing with it on the poll would hide the reason.
    const discard = reason === "transport close" || description?.code === "SB_ERR_ORIGIN_REFUSED";
    this._transport.close(discard ? "discard" : "immediate");
    trace("session closed", { sid: this.id, reason, error: description?.code });
    this.ctx.sessionClosed(this);
    this.emit("close", reason, description);
  }
}
