/**
 * One upgrade probe, the client's side of the engine's `UpgradeAttempt` (Engine.IO v4,
 * "Upgrade"): the new transport opens with the session id and sends `2probe`; once `3probe`
 * comes back (within `transportTimeout`) the current transport pauses, and once it is paused
 * the session moves over (the engine client sends `5` there). A wrong answer, a failure of the
 * new transport (also while the current one pauses) or the timeout abandons the probe: the
 * current transport resumes and the session stays.
 */
import { transportError } from "./errors.js";
import type {
  ClientTransport,
  TransportContext,
  TransportFactory,
  TransportHandlers,
} from "./transport.js";

/**
 * "sending": the new transport opens and `2probe` is written on it; "probing":
 * written, waiting for `3probe`; "probed": `3probe` came before the write drained (an sse POST
 * answered after the stream), the pause waits for the drain, so that the session gets the
 * transport with no write in flight; "pausing": the current transport is pausing; "done":
 * upgraded (the transport's callbacks are the session's from then on) or failed.
 */
export type ProbePhase = "sending" | "probing" | "probed" | "pausing" | "done";

/** What a probe reports to its engine client. */
export interface ProbeHooks {
  /** `3probe` arrived: the current transport is pausing. */
  probed(transport: ClientTransport): void;
  /** The current transport is paused and closed: the session moves to `transport`. */
  upgraded(transport: ClientTransport): void;
  /** The probe was abandoned (its transport is closed, the current one resumed). */
  failed(error: Error): void;
  /** The session's callbacks, which the transport calls once upgraded. */
  readonly session: TransportHandlers;
}

/** A probe in progress; an engine client holds at most one. */
export class ProbeAttempt {
  #phase: ProbePhase = "sending";
  readonly #transport: ClientTransport;
  readonly #timer: ReturnType<typeof setTimeout>;

  /**
   * Opens the new transport with the session's `context`; `current` is the session's transport.
   * @throws what the factory throws (a blocked URL, a missing API)
   */
  constructor(
    factory: TransportFactory,
    context: TransportContext,
    timeout: number,
    current: ClientTransport,
    hooks: ProbeHooks,
  ) {
    // Abandons the probe: the current transport resumes (it may have stopped polling, or be
    // pausing).
    const fail = (error: Error) => {
      if (!this.stop()) return;
      current.resume();
      hooks.failed(error);
    };
    const pause = () => {
      this.#phase = "pausing";
      hooks.probed(transport);
      current.pause(() => {
        if (this.#phase !== "pausing") return;
        this.#phase = "done";
        current.close();
        // From now on the transport calls the session's callbacks.
        Object.assign(handlers, hooks.session);
        hooks.upgraded(transport);
      });
    };
    const handlers: TransportHandlers = {
      // Called once, and never after the probe failed (its transport is closed then).
      onOpen: () => {
        current.probeSent();
        transport.send([{ type: "ping", data: "probe" }]);
      },
      onPacket: (packet) => {
        const phase = this.#phase;
        if (phase !== "sending" && phase !== "probing") return;
        if (packet.type !== "pong" || packet.data !== "probe") {
          return fail(transportError("probe error"));
        }
        clearTimeout(this.#timer);
        if (phase === "sending") this.#phase = "probed";
        else pause();
      },
      onDrain: () => {
        if (this.#phase === "sending") this.#phase = "probing";
        else if (this.#phase === "probed") pause();
      },
      onError: fail,
      onClose: () => fail(transportError("closed")),
    };
    const transport = factory.create(context, handlers);
    this.#transport = transport;
    this.#timer = setTimeout(
      () => fail(transportError(`${factory.transportName} probe timeout`)),
      timeout,
    );
  }

  /** Ends the probe without a word (the session is closing); false if it had ended already. */
  stop(): boolean {
    if (this.#phase === "done") return false;
    this.#phase = "done";
    clearTimeout(this.#timer);
    this.#transport.close();
    return true;
  }
}
