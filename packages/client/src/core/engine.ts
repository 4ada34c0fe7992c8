/**
 * EngineClient: one Engine.IO v4 session seen from the client. Opens it by walking the
 * transport ladder (each transport gets `transportTimeout` ms to deliver the open packet, else
 * the next is tried), keeps it alive (answers pings, closes on a ping timeout), buffers writes,
 * and upgrades to a better transport by probing it (a {@link ProbeAttempt}).
 *
 * States: opening → open ⇄ upgrading → closed. Only {@link EngineClient.#setState} changes them.
 */
import {
  type BinaryData,
  defaultBinaryType,
  type EnginePacket,
  type OpenPacketData,
} from "@switchboard/protocol";
import { WEBSOCKET_FALLBACK } from "#platform";
import { createDebug } from "./debug.js";
import { Emitter } from "./emitter.js";
import { type ClientError, originRefusal, transportError, transportsExhausted } from "./errors.js";
import { orderLadder, saveTransports, type TransportMemory } from "./ladder.js";
import type { ResolvedEngineOptions } from "./options.js";
import { ProbeAttempt } from "./probe.js";
import type {
  ClientTransport,
  TransportContext,
  TransportFactory,
  TransportHandlers,
  TransportName,
} from "./transport.js";

const debug = createDebug("engine");

/** States of an {@link EngineClient}. */
export type EngineState = "opening" | "open" | "upgrading" | "closed";

/** Why an engine session closed. */
export type EngineCloseReason =
  | "forced close"
  | "transport close"
  | "transport error"
  | "ping timeout"
  | "parse error";

/** Events of an {@link EngineClient}. */
export interface EngineEvents {
  /** The handshake completed (`handshake` holds the open packet's data). */
  open(): void;
  /** A message (the payload of a `4` packet). */
  message(data: string | BinaryData): void;
  /** The server pinged (the pong is already sent). */
  ping(): void;
  /** Everything written has been handed to the transport ({@link EngineClient.bufferedAmount} is 0). */
  drain(): void;
  /** A probe succeeded; the old transport is being paused (the new one, as engine.io-client). */
  upgrading(transport: ClientTransport): void;
  /** The session now runs on another transport (`transport.name` names it). */
  upgrade(transport: ClientTransport): void;
  /** A probe failed; the session stays where it was. */
  upgradeError(error: Error): void;
  /** Opening failed (every transport failed), or the open session failed. */
  error(error: Error): void;
  /** The session is over. */
  close(reason: EngineCloseReason, description?: unknown): void;
}

/** Where the engine connects: scheme + host + port, e.g. "https://example.com:8443". */
export interface EngineEndpoint {
  origin: string;
}

/** Rough byte size of a packet on the wire, to keep polling batches under `maxPayload`. */
function packetSize({ data }: EnginePacket): number {
  if (typeof data === "string") return 1 + data.length * 3;
  return data ? 2 + (("byteLength" in data ? data.byteLength : (data as Blob).size) * 4) / 3 : 1;
}

/** Bytes of a packet's data (UTF-8 for text), for {@link EngineClient.bufferedAmount}. */
function byteLength(data: EnginePacket["data"]): number {
  if (typeof data !== "string") {
    return !data ? 0 : "byteLength" in data ? data.byteLength : (data as Blob).size;
  }
  // One byte per UTF-16 unit, plus 1 below U+0800, 2 above (a surrogate pair: 2 units, 4 bytes).
  let bytes = data.length;
  for (const c of data) if (c > "\x7f") bytes += c > "\u07ff" ? 2 : 1;
  return bytes;
}

/** One Engine.IO session (the client side), over whichever transport works. */
export class EngineClient extends Emitter<EngineEvents> {
  /** Session id, once the handshake is done. */
  id: string | undefined;
  /** The transport in use (`transport.name` names it). */
  transport: ClientTransport | undefined;
  #state: EngineState = "opening";
  readonly #origin: string;
  readonly #options: ResolvedEngineOptions;
  readonly #memory: TransportMemory | undefined;
  readonly #candidates: TransportFactory[];
  readonly #failed: { transport: TransportName; message: string }[] = [];
  /** Set when a rung was refused for the page's origin (the ladder then stops). */
  #refusal: ClientError | undefined;
  #writeBuffer: EnginePacket[] = [];
  /** The batch being written (until the transport drains). */
  #batch: EnginePacket[] = [];
  #writing = false;
  #openTimer: ReturnType<typeof setTimeout> | undefined;
  #pingTimer: ReturnType<typeof setTimeout> | undefined;
  #handshake: OpenPacketData | undefined;
  /** The last probe (ended, or in progress). */
  #probe: ProbeAttempt | undefined;
  #afterDrain: (() => void) | undefined;
  /** The open packet the last failed rung brought back, if any (Node: a marked WebSocket). */
  #preopened: string | undefined;
  /**
   * The callbacks of the session's transport once the session is open: the transport that
   * opened it, or the one a probe upgraded it to. (A transport that is closed calls nothing.)
   */
  readonly #session: TransportHandlers = {
    onOpen() {},
    onPacket: (packet) => this.#state !== "closed" && this.#onSessionPacket(packet),
    onDrain: () => this.#onDrain(),
    onError: (error) =>
      this.#finish("transport error", originRefusal(error, this.#origin) ?? error),
    onClose: () => this.#finish("transport close"),
  };

  constructor(
    endpoint: EngineEndpoint,
    options: ResolvedEngineOptions,
    memory: TransportMemory | undefined,
  ) {
    super();
    this.#origin = endpoint.origin;
    this.#options = options;
    this.#memory = options.rememberTransport ? memory : undefined;
    this.#candidates = orderLadder(options.transports, this.#memory);
    // Let the caller attach listeners before anything can fail.
    queueMicrotask(() => this.#tryNext());
  }

  /** The state of the session. */
  get readyState(): EngineState {
    return this.#state;
  }

  /** True when a write would go out at once (used by volatile packets). */
  get writable(): boolean {
    return this.#state === "open" && !this.#writing;
  }

  /**
   * Bytes of messages written and not yet handed to the transport (queued, or in the batch
   * being sent): a producer that sees it grow can wait for "drain".
   */
  get bufferedAmount(): number {
    let bytes = 0;
    for (const { data } of [...this.#writeBuffer, ...this.#batch]) bytes += byteLength(data);
    return bytes;
  }

  /** The handshake data (upgrades, ping timings, maxPayload). */
  get handshake(): OpenPacketData | undefined {
    return this.#handshake;
  }

  /** Sends a message. */
  send(data: string | BinaryData): this {
    return this.write(data);
  }

  /** Sends a message (buffered until the transport can take it). */
  write(data: string | BinaryData): this {
    if (this.#state === "closed") return this;
    this.#writeBuffer.push({ type: "message", data });
    this.#flush();
    return this;
  }

  /**
   * Closes the session: pending writes and a close packet still go out (after any batch in
   * flight), then the transport closes.
   */
  close(): this {
    if (this.#state === "closed") return this;
    const transport = this.transport;
    if (transport && this.#state !== "opening") {
      const pending = [...this.#writeBuffer, { type: "close" } as EnginePacket];
      const sendAndClose = () => {
        this.#afterDrain = undefined;
        transport.send(pending);
        transport.close();
      };
      this.#finish("forced close");
      if (this.#writing) this.#afterDrain = sendAndClose;
      else sendAndClose();
    } else {
      this.#finish("forced close");
    }
    return this;
  }

  #setState(state: EngineState): void {
    debug("state", this.#state, "->", state);
    this.#state = state;
  }

  /** Remembers the transport that worked (or stalled) for the next connect, if remembering. */
  #remember(field: keyof TransportMemory, name: TransportName): void {
    if (!this.#memory) return;
    this.#memory[field] = name;
    saveTransports();
  }

  #context(name: TransportName): TransportContext {
    const o = this.#options;
    return {
      ...o,
      // Node only (a browser cannot read the answer to a failed WebSocket handshake): a
      // handshake on websocket whose next rung is polling carries the polling fallback's mark
      // and what polling's handshake would ask; the rung after a failed rung gets the open
      // packet it brought back, if it did (`#preopened`).
      ...(WEBSOCKET_FALLBACK && {
        preopened: this.#preopened,
        fallback:
          name === "websocket" && !this.id && this.#candidates[0]?.transportName === "polling"
            ? { fallback: "polling", ...this.#upgradesParam("polling") }
            : undefined,
      }),
      binaryType: defaultBinaryType,
      url: (extra) =>
        `${this.#origin}${o.path}?${new URLSearchParams({
          ...o.query,
          EIO: "4",
          transport: name,
          ...(this.id ? { sid: this.id } : this.#upgradesParam(name)),
          ...extra,
        })}`,
    };
  }

  /**
   * A handshake names the transports beyond websocket that this client could upgrade to (a
   * Switchboard server offers sse only then; other servers ignore the parameter).
   */
  #upgradesParam(name: TransportName): Record<string, string> {
    if (!this.#options.upgrade || name === "websocket") return {};
    const names = this.#options.transports
      .map((f) => f.transportName)
      .filter((t) => t !== name && t !== "websocket" && t !== "polling");
    return names.length > 0 ? { upgrades: names.join(",") } : {};
  }

  // ---- transports -------------------------------------------------------------------------

  /** Opening: tries the next transport of the ladder, or fails when none is left. */
  #tryNext(): void {
    if (this.#state !== "opening") return;
    const factory = this.#candidates.shift();
    if (!factory) {
      // One rung refused for the page's origin says why they all failed.
      const error = this.#refusal ?? transportsExhausted(this.#origin);
      error.data = this.#failed;
      debug("every transport failed", error.data);
      this.emitReserved("error", error);
      this.#finish("transport error", error);
      return;
    }
    const name = factory.transportName;
    debug("trying", name);
    let transport: ClientTransport | undefined;
    // This rung failed to open (an error, a close, its timer, a bad handshake): the next one.
    const fail = (error: Error) => {
      if (this.transport !== transport || this.#state !== "opening") return;
      debug("transport", name, "failed to open:", error.message);
      clearTimeout(this.#openTimer);
      this.transport = undefined;
      transport?.close();
      this.#failed.push({ transport: name, message: error.message });
      if (WEBSOCKET_FALLBACK) {
        const { handshake } = (error as { description?: { handshake?: string } }).description ?? {};
        this.#preopened = handshake;
      }
      this.#refusal = originRefusal(error, this.#origin);
      // The origin policy refuses every transport alike: no point climbing further.
      if (this.#refusal) this.#candidates.length = 0;
      this.#tryNext();
    };
    // The rung's own callbacks until the open packet, then the session's.
    const handlers: TransportHandlers = {
      ...this.#session,
      onPacket: (packet) => this.#onHandshake(packet, handlers, fail),
      onError: fail,
      onClose: () => fail(transportError("closed")),
    };
    try {
      transport = factory.create(this.#context(name), handlers);
    } catch (error) {
      // A constructor that throws (a blocked URL, a missing API) is one more failed rung.
      fail(error as Error);
      return;
    }
    this.transport = transport;
    // A rung with a next one gives up after transportTimeout; the last one waits for the
    // connect `timeout` (the Manager's), as socket.io-client's transports do: a server slow to
    // answer (a loaded node) is not a failed transport when there is nothing left to try.
    if (this.#candidates.length > 0) {
      this.#openTimer = setTimeout(
        () => fail(transportError(`${name} open timeout`)),
        this.#options.transportTimeout,
      );
    }
  }

  #onHandshake(
    packet: EnginePacket,
    handlers: TransportHandlers,
    fail: (error: Error) => void,
  ): void {
    let data: OpenPacketData | undefined;
    try {
      data = JSON.parse(packet.data as string) as OpenPacketData;
    } catch {}
    if (packet.type !== "open" || typeof data?.sid !== "string") {
      fail(transportError(`bad handshake: ${packet.type}`));
      return;
    }
    clearTimeout(this.#openTimer);
    Object.assign(handlers, this.#session);
    this.id = data.sid;
    this.#handshake = data;
    const name = this.transport!.name;
    this.#remember("preferred", name);
    debug("open", data.sid, "on", name);
    this.#setState("open");
    this.emitReserved("open");
    this.#resetPingTimer();
    this.#flush();
    if (this.#options.upgrade) this.#maybeProbe(data.upgrades ?? []);
  }

  // ---- open session ---------------------------------------------------------------------

  #onSessionPacket(packet: EnginePacket): void {
    this.#resetPingTimer();
    if (packet.type === "ping") {
      this.#writeBuffer.push({ type: "pong" });
      this.#flush();
      this.emitReserved("ping");
    } else if (packet.type === "message") {
      this.emitReserved("message", packet.data!);
    } else if (packet.type === "close") {
      this.#finish("transport close");
    }
  }

  #resetPingTimer(): void {
    const hs = this.#handshake!;
    clearTimeout(this.#pingTimer);
    this.#pingTimer = setTimeout(() => {
      this.#remember("demoted", this.transport!.name);
      this.#finish("ping timeout");
    }, hs.pingInterval + hs.pingTimeout);
  }

  #flush(): void {
    if (this.#state !== "open" || this.#writing || this.#writeBuffer.length === 0) return;
    const max = this.#handshake!.maxPayload || Number.POSITIVE_INFINITY;
    let count = 0;
    let size = 0;
    for (const packet of this.#writeBuffer) {
      size += packetSize(packet);
      if (count > 0 && size > max) break;
      count++;
    }
    this.#writing = true;
    this.#batch = this.#writeBuffer.splice(0, count);
    this.transport!.send(this.#batch);
  }

  #onDrain(): void {
    this.#writing = false;
    this.#batch = [];
    if (this.#state === "closed") this.#afterDrain?.();
    else if (this.#writeBuffer.length === 0) this.emitReserved("drain");
    else this.#flush();
  }

  // ---- upgrade --------------------------------------------------------------------------

  /** Probes the best transport that `upgrades` offers and that has not failed yet, if any. */
  #maybeProbe(upgrades: readonly string[]): void {
    const current = this.transport!.name;
    const factory = this.#options.transports.find(
      ({ transportName: name }) =>
        name !== current &&
        upgrades.includes(name) &&
        !this.#failed.some((f) => f.transport === name),
    );
    if (factory) this.#startProbe(factory);
  }

  /** Starts a {@link ProbeAttempt} of a transport. */
  #startProbe(factory: TransportFactory): void {
    const name = factory.transportName;
    debug("probing", name);
    try {
      this.#probe = new ProbeAttempt(
        factory,
        this.#context(name),
        this.#options.transportTimeout,
        this.transport!,
        {
          session: this.#session,
          probed: (transport) => {
            this.#setState("upgrading");
            this.emitReserved("upgrading", transport);
          },
          upgraded: (transport) => {
            debug("upgraded to", name);
            this.transport = transport;
            this.#remember("preferred", name);
            // The writes buffered during the upgrade go with the upgrade packet, in the same
            // POST on an HTTP transport: a round trip sooner than after its drain.
            this.#writeBuffer.unshift({ type: "upgrade" });
            this.#setState("open");
            this.#flush();
            this.emitReserved("upgrade", transport);
          },
          failed: (error) => this.#probeFailed(name, error),
        },
      );
    } catch (error) {
      this.#probeFailed(name, error as Error);
    }
  }

  /** The probe failed: the session stays where it was, and probes the next offer, if any. */
  #probeFailed(name: TransportName, error: Error): void {
    if (this.#state === "upgrading") {
      this.#setState("open");
      this.#flush();
    }
    debug("probe failed:", name, error.message);
    this.#failed.push({ transport: name, message: error.message });
    this.emitReserved("upgradeError", error);
    // A stalled stream must not keep the session from the next best offer.
    if (this.#state === "open") this.#maybeProbe(this.#handshake?.upgrades ?? []);
  }

  // ---- closing --------------------------------------------------------------------------

  #finish(reason: EngineCloseReason, description?: unknown): void {
    if (this.#state === "closed") return;
    const wasOpening = this.#state === "opening";
    this.#setState("closed");
    clearTimeout(this.#openTimer);
    clearTimeout(this.#pingTimer);
    const transport = this.transport;
    this.#probe?.stop();
    this.#writeBuffer = this.#batch = [];
    if (reason !== "forced close" || wasOpening) transport?.close();
    debug("closed:", reason);
    this.emitReserved("close", reason, description);
  }
}
