/**
 * HTTP long-polling (`transport=polling`) with fetch: a GET that the server holds until it has
 * packets (a polling payload), re-issued as soon as it returns; packets up go in POSTs.
 */
import type { TransportFactory } from "../core/transport.js";
import { HttpTransport } from "./base.js";
import { request } from "./http.js";

class Polling extends HttpTransport {
  readonly name = "polling" as const;
  readonly #abort = new AbortController();

  protected start(): void {
    this.h.onOpen();
    this.#poll();
  }

  #poll = (): void => {
    this.downBusy = true;
    request(this.ctx, { signal: this.#abort.signal })
      .then((res) => res.text())
      .then(
        (text) => this.answered(text, this.#poll),
        (error: unknown) => this.fail(error),
      );
  };

  protected override restart(): void {
    if (!this.downBusy) this.#poll();
  }

  protected stop(): void {
    this.#abort.abort(); // ends a poll in flight; POSTs do not use this signal
  }
}

/** The long-polling transport. */
export const polling: TransportFactory = {
  transportName: "polling",
  create: (ctx, handlers) => new Polling(ctx, handlers),
};
