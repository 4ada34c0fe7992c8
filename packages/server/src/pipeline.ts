/**
 * The stages every connection's traffic passes: outbound (every frame the server writes to a
 * client: emits, acks, CONNECT/CONNECT_ERROR, adapter broadcasts, encoded once for all their
 * recipients) and inbound (every packet decoded from a client). Each stage runs a short list
 * of policies; a feature that needs to see or shape traffic (flow control, rate limits,
 * metrics) is one policy, not an edit across Socket, Connection and the session.
 *
 * Policies are shared by every connection of a server; what one keeps per connection it keeps
 * in the connection's slot for it ({@link PolicyHost.slot}).
 */
import type { SocketPacket } from "@switchboard/protocol";
import type { WriteOptions } from "./adapters/adapter.js";
import type { EncodedFrames } from "./parser.js";
import type { DisconnectReason } from "./reserved.js";
import type { EngineSession, SessionCloseReason } from "./session.js";

/** What a policy may see and do of one connection. */
export interface PolicyHost {
  /** The engine session id. */
  readonly id: string;
  /** The engine session (`bufferedAmount`, `pause()`, `resume()`, `transport.name`). */
  readonly conn: EngineSession;
  /** True once the connection is gone. */
  readonly closed: boolean;
  /** False while the connection waits for its session to drain ({@link PolicyHost.awaitDrain}). */
  readonly writable: boolean;
  /** The policy's per-connection state, made by `make` on first use. */
  slot<T>(policy: ConnectionPolicy, make: () => T): T;
  /** Makes the connection run the policies' `drained` hooks once the session has written all. */
  awaitDrain(): void;
  /** Writes an event to the client's socket of namespace `nsp` (volatile), if it has one. */
  notify(nsp: string, event: string, data: unknown): void;
  /** Disconnects every socket with `reason` and closes the session at once. */
  closeWith(reason: DisconnectReason): void;
}

/** One policy: the hooks it needs, all optional. */
export interface ConnectionPolicy {
  /** A short name, for debugging. */
  readonly name: string;
  /** Before frames are written: false drops them (for this connection only). */
  outbound?(conn: PolicyHost, frames: EncodedFrames, options: WriteOptions): boolean;
  /** After frames were handed to the session. */
  written?(conn: PolicyHost, options: WriteOptions): void;
  /** Every message the session delivered (a packet, or one binary attachment), before decoding. */
  received?(conn: PolicyHost, data: string | Buffer): void;
  /** Every decoded incoming packet, before it is routed: false drops it. */
  inbound?(conn: PolicyHost, packet: SocketPacket): boolean;
  /** The session wrote everything it held, after {@link PolicyHost.awaitDrain}. */
  drained?(conn: PolicyHost): void;
  /** The connection closed, with what closed it. */
  closed?(conn: PolicyHost, reason: SessionCloseReason | DisconnectReason): void;
}

type Hook = "outbound" | "written" | "received" | "inbound" | "drained" | "closed";

/**
 * The policies of a server, with one list per hook so that a stage calls only the policies
 * that have it. The lists are replaced on change, never edited in place: a stage iterates the
 * list it read.
 */
export class Pipeline {
  #policies: readonly ConnectionPolicy[] = [];
  /** The policies with an `outbound` hook, in order. */
  outbound: readonly ConnectionPolicy[] = [];
  /** The policies with a `written` hook, in order. */
  written: readonly ConnectionPolicy[] = [];
  /** The policies with a `received` hook, in order. */
  received: readonly ConnectionPolicy[] = [];
  /** The policies with an `inbound` hook, in order. */
  inbound: readonly ConnectionPolicy[] = [];
  /** The policies with a `drained` hook, in order. */
  drained: readonly ConnectionPolicy[] = [];
  /** The policies with a `closed` hook, in order. */
  closed: readonly ConnectionPolicy[] = [];

  constructor(policies: readonly ConnectionPolicy[] = []) {
    for (const policy of policies) this.add(policy);
  }

  /** The policies, in the order they run. */
  get policies(): readonly ConnectionPolicy[] {
    return this.#policies;
  }

  /** Adds a policy at the end of its stages (it applies to existing connections too). */
  add(policy: ConnectionPolicy): this {
    this.#policies = [...this.#policies, policy];
    this.#rebuild();
    return this;
  }

  /** Removes a policy. */
  remove(policy: ConnectionPolicy): this {
    this.#policies = this.#policies.filter((p) => p !== policy);
    this.#rebuild();
    return this;
  }

  #rebuild(): void {
    const having = (hook: Hook) => this.#policies.filter((p) => p[hook] !== undefined);
    this.outbound = having("outbound");
    this.written = having("written");
    this.received = having("received");
    this.inbound = having("inbound");
    this.drained = having("drained");
    this.closed = having("closed");
  }
}
