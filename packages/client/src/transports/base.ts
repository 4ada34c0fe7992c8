/**
 * What the HTTP-based transports (polling, sse, jsonp, htmlfile) share: packets up in POSTs
 * (one at a time), packets down through a channel each opens its own way, and the pause that an
 * upgrade needs: no POST in flight and the down channel idle (a poll returned, or a stream
 * delivered the `noop` that the server writes as its last packet there when it answers the
 * probe; it may arrive before the pause begins).
 */
import { decodeEnginePacket, decodeEnginePayload, type EnginePacket } from "@switchboard/protocol";
import { transportError } from "../core/errors.js";
import type {
  ClientTransport,
  TransportContext,
  TransportHandlers,
  TransportName,
} from "../core/transport.js";
import { postPayload } from "./http.js";

/** States of an HTTP-based transport. */
export type HttpTransportState = "open" | "pausing" | "paused" | "closed";

/** Base of the HTTP-based transports. */
export abstract class HttpTransport implements ClientTransport {
  abstract readonly name: TransportName;
  protected state: HttpTransportState = "open";
  /** True while the down channel is busy (a poll in flight, a stream not yet drained). */
  protected downBusy = false;
  #posting = false;
  #onPaused: (() => void) | undefined;
  protected readonly ctx: TransportContext;
  protected readonly h: TransportHandlers;
  /** POST as CORS-simple requests (jsonp, htmlfile). */
  protected readonly simplePost: boolean = false;

  constructor(ctx: TransportContext, handlers: TransportHandlers) {
    this.ctx = ctx;
    this.h = handlers;
    queueMicrotask(() => this.state === "closed" || this.start());
  }

  /** Opens the down channel. */
  protected abstract start(): void;
  /** Tears the down channel down (no callbacks after). */
  protected abstract stop(): void;

  /** Hands received packets on; false once the transport closed. */
  protected receive(packets: EnginePacket[]): boolean {
    for (const packet of packets) {
      if (this.state === "closed") return false;
      // A noop ends the down channel's delivery (a poll's answer, or the last packet a stream
      // carries before an upgrade), whether or not the pause has begun yet.
      if (packet.type === "noop") {
        this.downBusy = false;
        this.checkPaused();
        continue;
      }
      this.h.onPacket(packet);
    }
    return this.state !== "closed";
  }

  /**
   * Decodes text from the down channel, a polling payload or (`one`) a single packet (a stream
   * event), and hands the packets on; false once the transport closed.
   */
  protected receiveText(text: string, one?: boolean): boolean {
    let packets: EnginePacket[];
    try {
      const type = this.ctx.binaryType;
      packets = one ? [decodeEnginePacket(text, type)] : decodeEnginePayload(text, type);
    } catch (error) {
      this.fail(transportError("bad packet", error));
      return false;
    }
    return this.receive(packets);
  }

  /** Closes and reports an error. */
  protected fail(error: unknown): void {
    if (this.state === "closed" || this.state === "paused") return;
    this.close();
    this.h.onError(error as Error); // fetch and the transports reject with Errors only
  }

  send(packets: EnginePacket[]): void {
    this.#posting = true;
    postPayload(this.ctx, packets, this.simplePost).then(
      () => {
        this.#posting = false;
        if (this.state === "closed") return;
        this.h.onDrain();
        this.checkPaused();
      },
      (error: unknown) => this.fail(error),
    );
  }

  pause(done: () => void): void {
    this.state = "pausing";
    this.#onPaused = done;
    this.checkPaused();
  }

  protected checkPaused(): void {
    if (this.state !== "pausing" || this.downBusy || this.#posting) return;
    this.state = "paused";
    this.stop();
    this.#onPaused?.();
  }

  close(): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.stop();
  }
}
