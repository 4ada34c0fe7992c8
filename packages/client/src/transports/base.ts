/**
 * What the HTTP-based transports (polling, sse, jsonp, htmlfile) share: packets up in POSTs
 * (one at a time), packets down through a channel each opens its own way, and the pause that an
 * upgrade needs: no POST in flight and the down channel idle. Once the probe went out
 * (`probeSent`), a `noop` is the server's last packet on the down channel (it answers a pending
 * poll with one, or writes one as a stream's last packet, when it answers the probe): no poll
 * follows it, whether it arrives before or after `3probe` and the pause.
 */
import { decodeEnginePacket, decodeEnginePayload, type EnginePacket } from "@switchboard/protocol";
import { postPayload } from "#http";
import { transportError } from "../core/errors.js";
import type {
  ClientTransport,
  TransportContext,
  TransportHandlers,
  TransportName,
} from "../core/transport.js";

/** States of an HTTP-based transport ("probing": a probe went out on another transport). */
export type HttpTransportState = "open" | "probing" | "pausing" | "paused" | "closed";

/**
 * How long a closed transport keeps its down channel while its last POST is unanswered, ms:
 * longer than a loaded server takes to read a POST (1 s was not: the soak's polite disconnects
 * reached the server as "transport close"), short enough that a POST hanging on a dead network
 * does not keep a request open for long after the close.
 */
export const CLOSE_GRACE = 10_000;

/** Base of the HTTP-based transports. */
export abstract class HttpTransport implements ClientTransport {
  abstract readonly name: TransportName;
  protected state: HttpTransportState = "open";
  /** True while the down channel is busy (a poll in flight, a stream not yet drained). */
  protected downBusy = false;
  /** The POST in flight (it never rejects). */
  #post: Promise<void> | undefined;
  #onPaused: (() => void) | undefined;
  protected readonly ctx: TransportContext;
  /** The transport's owner: where packets, drains, errors and the close go. */
  protected readonly handlers: TransportHandlers;
  /** POST as CORS-simple requests (jsonp, htmlfile). */
  protected readonly simplePost: boolean = false;

  constructor(ctx: TransportContext, handlers: TransportHandlers) {
    this.ctx = ctx;
    this.handlers = handlers;
    queueMicrotask(() => this.state === "closed" || this.start());
  }

  /** Opens the down channel. */
  protected abstract start(): void;
  /** Tears the down channel down (no callbacks after; may be called twice). */
  protected abstract stop(): void;
  /**
   * Makes the down channel deliver again after a pause that did not lead to an upgrade. A
   * stream still runs (only the noop was read from it); polls override this.
   */
  protected restart(): void {
    this.downBusy = true;
  }

  /** Hands received packets on; false once the transport closed. */
  protected receive(packets: EnginePacket[]): boolean {
    for (const packet of packets) {
      if (this.state === "closed") return false;
      if (packet.type !== "noop") this.handlers.onPacket(packet);
      // After the probe, a noop ends the down channel's delivery (see the file's comment).
      else if (this.state !== "open") {
        this.downBusy = false;
        this.checkPaused();
      }
    }
    return this.state !== "closed";
  }

  /**
   * Decodes text from the down channel, a polling payload or (`one`) a single packet (a stream
   * event; `json`: a JSON string literal of it), and hands the packets on; false once the
   * transport closed.
   */
  protected receiveText(text: string, one?: boolean, json?: boolean): boolean {
    let packets: EnginePacket[];
    try {
      const type = this.ctx.binaryType;
      if (json) text = JSON.parse(text) as string;
      packets = one ? [decodeEnginePacket(text, type)] : decodeEnginePayload(text, type);
    } catch (error) {
      this.fail(transportError("bad packet", error));
      return false;
    }
    return this.receive(packets);
  }

  /**
   * A poll's answer: hands its packets on, then polls again (`poll`) unless the down channel
   * is to rest: pausing, or a noop arrived after the probe.
   */
  protected answered(text: string, poll: () => void): void {
    if (!this.receiveText(text)) return;
    if (this.state === "open" || (this.state === "probing" && this.downBusy)) poll();
    else {
      this.downBusy = false;
      this.checkPaused();
    }
  }

  /** Closes and reports an error. */
  protected fail(error: unknown): void {
    if (this.state === "closed") return;
    this.close();
    this.handlers.onError(error as Error); // requests and the transports reject with Errors only
  }

  send(packets: EnginePacket[]): void {
    this.#post = postPayload(this.ctx, packets, this.simplePost).then(
      () => {
        this.#post = undefined;
        if (this.state === "closed") return;
        this.handlers.onDrain();
        this.checkPaused();
      },
      (error: unknown) => {
        this.#post = undefined;
        this.fail(error);
      },
    );
  }

  probeSent(): void {
    if (this.state === "open") this.state = "probing";
  }

  pause(done: () => void): void {
    this.state = "pausing";
    this.#onPaused = done;
    this.checkPaused();
  }

  resume(): void {
    if (this.state === "closed" || this.state === "open") return;
    this.state = "open";
    this.#onPaused = undefined;
    this.restart();
  }

  protected checkPaused(): void {
    if (this.state !== "pausing" || this.downBusy || this.#post) return;
    // The down channel stays up until `close` (or delivers again after `resume`).
    this.state = "paused";
    this.#onPaused?.();
  }

  /**
   * Closes it. The down channel (a poll, a stream) outlives the POST in flight, up to
   * CLOSE_GRACE: a server (or a proxy) that saw it end first would close the session before
   * reading that POST, which carries the close packet when the client closes.
   */
  close(): void {
    if (this.state === "closed") return;
    this.state = "closed";
    const post = this.#post;
    if (!post) {
      this.stop();
      return;
    }
    const timer = setTimeout(() => this.stop(), CLOSE_GRACE);
    post.then(() => {
      clearTimeout(timer);
      this.stop();
    });
  }
}
