/**
 * EngineClient: one Engine.IO v4 session seen from the client. Opens it by walking the
 * transport ladder (each transport gets `transportTimeout` ms to deliver the open packet, else
 * the next is tried), keeps it alive (answers pings, closes on a ping timeout), buffers writes,
 * and upgrades to a better transport by probing it (`2probe` / `3probe`, pause, `5`).
 *
 * States: opening → open ⇄ upgrading → closed. Only {@link EngineClient.#setState} changes them.
 */
import {
  type BinaryData,
  defaultBinaryType,
  type EnginePacket,
  type OpenPacketData,
} from "@switchboard/protocol";
import { createDebug } from "./debug.js";
import { Emitter } from "./emitter.js";
import { ClientError, ClientErrorCode, transportError } from "./errors.js";
import { orderLadder, type TransportMemory } from "./ladder.js";
import type { ResolvedEngineOptions } from "./options.js";
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
  /** The handshake completed. */
  open(): void;
  /** The open packet's data. */
  handshake(data: OpenPacketData): void;
  /** Every packet received. */
  packet(packet: EnginePacket): void;
  /** A message (the payload of a `4` packet). */
  data(data: string | BinaryData): void;
  /** Alias of `data`. */
  message(data: string | BinaryData): void;
  /** The server pinged (the pong is already sent). */
  ping(): void;
  /** The write buffer is empty. */
  drain(): void;
  /** A probe succeeded; the old transport is being paused. */
  upgrading(name: TransportName): void;
  /** The session now runs on another transport. */
  upgrade(name: TransportName): void;
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
function packetSize(packet: EnginePacket): number {
  const data = packet.data;
  if (data === undefined) return 1;
  if (typeof data === "string") return 1 + data.length * 3;
  const bytes = "byteLength" in data ? data.byteLength : (data as Blob).size;
  return 2 + Math.ceil(bytes / 3) * 4;
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
  readonly #failed: { transport: TransportName; error: Error }[] = [];
  #writeBuffer: EnginePacket[] = [];
  #writing = false;
  #openTimer: ReturnType<typeof setTimeout> | undefined;
  #pingTimer: ReturnType<typeof setTimeout> | undefined;
  #handshake: OpenPacketData | undefined;
  #probe: ClientTransport | undefined;
  #unload: (() => void) | undefined;
  #afterDrain: (() => void) | undefined;

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
    if (options.closeOnBeforeunload && typeof addEventListener === "function") {
      this.#unload = () => this.close();
      addEventListener("beforeunload", this.#unload);
    }
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

  #context(name: TransportName): TransportContext {
    const o = this.#options;
    return {
      url: (extra) => {
        const q = new URLSearchParams(o.query);
        q.set("EIO", "4");
        q.set("transport", name);
        if (this.id) q.set("sid", this.id);
        for (const key in extra) q.set(key, extra[key]!);
        return `${this.#origin}${o.path}?${q}`;
      },
      extraHeaders: o.extraHeaders,
      withCredentials: o.withCredentials,
      timestampRequests: o.timestampRequests,
      timestampParam: o.timestampParam,
      binaryType: defaultBinaryType,
    };
  }

  // ---- opening: walk the ladder ---------------------------------------------------------

  #tryNext(): void {
    if (this.#state !== "opening") return;
    const factory = this.#candidates.shift();
    if (!factory) {
      const error = new ClientError(ClientErrorCode.TRANSPORTS_EXHAUSTED);
      error.type = "TransportError";
      error.data = this.#failed.map((f) => ({ transport: f.transport, message: f.error.message }));
      debug("every transport failed", error.data);
      this.emitReserved("error", error);
      this.#finish("transport error", error);
      return;
    }
    const name = factory.transportName;
    debug("trying", name);
    let transport: ClientTransport | undefined;
    const fail = (error: Error) => {
      if (this.transport !== transport || this.#state !== "opening") return;
      debug("transport", name, "failed to open:", error.message);
      clearTimeout(this.#openTimer);
      this.transport = undefined;
      transport?.close();
      this.#failed.push({ transport: name, error });
      this.#tryNext();
    };
    transport = factory.create(this.#context(name), {
      onOpen: () => {},
      onPacket: (packet) => {
        if (this.transport !== transport) return;
        if (this.#state === "opening") {
          if (packet.type === "open") this.#onHandshake(packet);
          else fail(transportError(`unexpected ${packet.type} packet before open`));
        } else this.#onPacket(packet);
      },
      onDrain: () => this.transport === transport && this.#onDrain(),
      onError: (error) =>
        this.#state === "opening" ? fail(error) : this.#onTransportEnd(transport, error),
      onClose: () =>
        this.#state === "opening"
          ? fail(transportError("transport closed before open"))
          : this.#onTransportEnd(transport),
    });
    this.transport = transport;
    this.#openTimer = setTimeout(
      () => fail(transportError(`${name} did not open in time`)),
      this.#options.transportTimeout,
    );
  }

  #onHandshake(packet: EnginePacket): void {
    clearTimeout(this.#openTimer);
    let data: OpenPacketData;
    try {
      data = JSON.parse(packet.data as string) as OpenPacketData;
      if (typeof data.sid !== "string") throw new Error("no sid");
    } catch (cause) {
      const error = transportError("invalid handshake", cause);
      this.emitReserved("error", error);
      this.#finish("parse error", error);
      return;
    }
    this.id = data.sid;
    this.#handshake = data;
    const name = this.transport!.name;
    if (this.#memory) this.#memory.preferred = name;
    debug("open", data.sid, "on", name);
    this.#setState("open");
    this.emitReserved("handshake", data);
    this.emitReserved("open");
    this.#resetPingTimer();
    this.#flush();
    if (this.#options.upgrade) this.#maybeProbe(data.upgrades ?? []);
  }

  // ---- open session ---------------------------------------------------------------------

  #onPacket(packet: EnginePacket): void {
    if (this.#state === "closed") return;
    this.#resetPingTimer();
    this.emitReserved("packet", packet);
    switch (packet.type) {
      case "ping":
        this.#writeBuffer.push({ type: "pong" });
        this.#flush();
        this.emitReserved("ping");
        break;
      case "message":
        this.emitReserved("data", packet.data!);
        this.emitReserved("message", packet.data!);
        break;
      case "close":
        this.#finish("transport close");
        break;
      default:
        // noop, and pongs that answer nothing
        break;
    }
  }

  #resetPingTimer(): void {
    const hs = this.#handshake;
    if (!hs) return;
    clearTimeout(this.#pingTimer);
    this.#pingTimer = setTimeout(() => {
      if (this.#memory && this.transport) this.#memory.demoted = this.transport.name;
      this.#finish("ping timeout");
    }, hs.pingInterval + hs.pingTimeout);
  }

  #flush(): void {
    if (this.#state !== "open" || this.#writing || this.#writeBuffer.length === 0) return;
    const max = this.#handshake?.maxPayload ?? 0;
    let count = 0;
    let size = 0;
    for (const packet of this.#writeBuffer) {
      size += packetSize(packet);
      if (count > 0 && max > 0 && size > max) break;
      count++;
    }
    const batch = this.#writeBuffer.splice(0, count);
    this.#writing = true;
    this.transport!.send(batch);
  }

  #onDrain(): void {
    this.#writing = false;
    if (this.#state === "closed") this.#afterDrain?.();
    else if (this.#writeBuffer.length === 0) this.emitReserved("drain");
    else this.#flush();
  }

  #onTransportEnd(transport: ClientTransport | undefined, error?: Error): void {
    if (this.transport !== transport || this.#state === "closed") return;
    debug("transport ended", error?.message ?? "");
    this.#finish(error ? "transport error" : "transport close", error);
  }

  // ---- upgrade --------------------------------------------------------------------------

  #maybeProbe(upgrades: readonly string[]): void {
    const failed = new Set(this.#failed.map((f) => f.transport));
    const current = this.transport!.name;
    const factory = this.#options.transports.find(
      (f) =>
        f.transportName !== current &&
        upgrades.includes(f.transportName) &&
        !failed.has(f.transportName),
    );
    if (factory) this.#startProbe(factory);
  }

  #startProbe(factory: TransportFactory): void {
    const name = factory.transportName;
    debug("probing", name);
    let phase: "probing" | "pausing" | "done" = "probing";
    let probe: ClientTransport | undefined;
    const fail = (error: Error) => {
      if (phase === "done") return;
      phase = "done";
      clearTimeout(timer);
      probe?.close();
      if (this.#probe === probe) this.#probe = undefined;
      if (this.#state === "upgrading") {
        this.#setState("open");
        this.#flush();
      }
      debug("probe failed:", name, error.message);
      this.emitReserved("upgradeError", error);
    };
    const timer = setTimeout(
      () => fail(transportError(`${name} probe timed out`)),
      this.#options.transportTimeout,
    );
    const handlers: TransportHandlers = {
      onOpen: () => phase === "probing" && probe!.send([{ type: "ping", data: "probe" }]),
      onPacket: (packet) => {
        if (this.transport === probe) return this.#onPacket(packet);
        if (phase !== "probing") return;
        if (packet.type !== "pong" || packet.data !== "probe") {
          return fail(transportError("probe error"));
        }
        clearTimeout(timer);
        phase = "pausing";
        this.#setState("upgrading");
        this.emitReserved("upgrading", name);
        const old = this.transport!;
        old.pause(() => {
          if (phase !== "pausing" || this.#state !== "upgrading") return;
          phase = "done";
          debug("upgraded to", name);
          old.close();
          this.#probe = undefined;
          this.transport = probe;
          if (this.#memory) this.#memory.preferred = name;
          probe!.send([{ type: "upgrade" }]);
          this.#writing = true; // until the upgrade packet drains
          this.#setState("open");
          this.emitReserved("upgrade", name);
        });
      },
      onDrain: () => {
        if (this.transport === probe) this.#onDrain();
      },
      onError: (error) =>
        this.transport === probe ? this.#onTransportEnd(probe, error) : fail(error),
      onClose: () =>
        this.transport === probe
          ? this.#onTransportEnd(probe)
          : fail(transportError("probe closed")),
    };
    probe = factory.create(this.#context(name), handlers);
    this.#probe = probe;
  }

  // ---- closing --------------------------------------------------------------------------

  #finish(reason: EngineCloseReason, description?: unknown): void {
    if (this.#state === "closed") return;
    const wasOpening = this.#state === "opening";
    this.#setState("closed");
    clearTimeout(this.#openTimer);
    clearTimeout(this.#pingTimer);
    if (this.#unload) removeEventListener("beforeunload", this.#unload);
    const transport = this.transport;
    this.#probe?.close();
    this.#probe = undefined;
    this.#writeBuffer = [];
    if (reason !== "forced close" || wasOpening) transport?.close();
    debug("closed:", reason);
    this.emitReserved("close", reason, description);
  }
}
