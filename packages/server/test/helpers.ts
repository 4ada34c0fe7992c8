/**
 * Test doubles: an engine session that records what the server sends and lets a test feed exact
 * wire strings, and an engine that announces such sessions.
 */
import { EventEmitter } from "node:events";
import { Server, type ServerOptions } from "@switchboard/server";
import type {
  EngineLike,
  EngineSession,
  HandshakeRequest,
  SessionCloseReason,
  SessionData,
  SessionState,
} from "../src/session.ts";

let nextId = 0;

/**
 * A session that records every frame sent to it. Its `writable` and `bufferedAmount` follow what
 * it was sent, as the engine's do: while the peer is stalled (`stall()`), the transport has a
 * write in flight (not writable) and every frame sent adds its bytes to `bufferedAmount`;
 * `flush()` writes them all and emits "drain", as the engine does when its buffer empties.
 */
export class FakeSession extends EventEmitter implements EngineSession {
  readonly id = `sess${nextId++}`;
  readonly request: HandshakeRequest;
  readonly transport = { name: "websocket" };
  state: SessionState = "open";
  #stalled = false;
  #buffered = 0;
  /** Whether the server paused reading. */
  paused = false;
  /** Every frame written, in order (strings as is, binary as Buffers). */
  readonly sent: (string | Buffer)[] = [];
  readonly closeReasons: SessionCloseReason[] = [];
  /** The `compress` option of every send, in order. */
  readonly compressFlags: (boolean | undefined)[] = [];

  constructor(url = "/socket.io/?EIO=4&transport=websocket", headers: Record<string, string> = {}) {
    super();
    this.request = {
      url,
      headers: { host: "localhost", ...headers },
      socket: { remoteAddress: "127.0.0.1" },
    } as unknown as HandshakeRequest;
  }

  get writable(): boolean {
    return this.state === "open" && !this.#stalled;
  }

  get bufferedAmount(): number {
    return this.#buffered;
  }

  /** The peer stops reading: what is sent from now on stays buffered. */
  stall(): void {
    this.#stalled = true;
  }

  /** The peer reads again: everything buffered is written, then "drain". */
  flush(): void {
    const had = this.#buffered > 0 || this.#stalled;
    this.#stalled = false;
    this.#buffered = 0;
    if (had) this.emit("drain");
  }

  send(data: SessionData, options?: { compress?: boolean }): this {
    if (this.state !== "open") throw new Error("send on a closed session");
    if (this.#stalled) {
      this.#buffered +=
        typeof data === "string" ? Buffer.byteLength(data) : (data as Uint8Array).byteLength;
    }
    this.compressFlags.push(options?.compress);
    this.sent.push(typeof data === "string" ? data : Buffer.from(data as Uint8Array));
    this.emit("sent", data);
    return this;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  /** Feeds a frame as if the client had sent it. */
  receive(data: string | Buffer): void {
    this.emit("message", data);
  }

  /** The `discard` argument of every close(). */
  readonly discards: boolean[] = [];

  /** Server-side close, as the engine would do it. */
  close(discard = false): this {
    if (this.state === "closed") return this;
    this.discards.push(discard);
    this.state = "closed";
    this.closeReasons.push("forced close");
    this.emit("close", "forced close");
    return this;
  }

  /** The transport went away (client side). */
  drop(reason: SessionCloseReason = "transport close"): void {
    this.state = "closed";
    this.emit("close", reason);
  }

  /** Clears and returns the frames sent so far. */
  take(): (string | Buffer)[] {
    return this.sent.splice(0);
  }
}

/** An engine that announces sessions on demand. */
export class FakeEngine extends EventEmitter implements EngineLike {
  closed = false;
  clientsCount = 0;
  readonly sessions = new Set<FakeSession>();
  /** Closes every session, as an engine does. */
  close(): void {
    this.closed = true;
    for (const session of this.sessions) session.drop("server shutting down");
  }
  /** Opens a session and announces it. */
  open(session = new FakeSession()): FakeSession {
    this.sessions.add(session);
    session.once("close", () => this.sessions.delete(session));
    this.emit("connection", session);
    return session;
  }
}

/** A server bound to a fake engine. */
export function fakeServer(options?: ServerOptions): { io: Server; engine: FakeEngine } {
  const io = new Server(options);
  const engine = new FakeEngine();
  io.bind(engine);
  return { io, engine };
}

/** Resolves at the next macrotask (lets async middleware chains settle). */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
