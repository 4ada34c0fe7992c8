/**
 * HTTP long-polling (`transport=polling`), on the platform's HTTP requests (`#http`: XMLHttpRequest in
 * browsers, node:http in Node): a GET that the server holds until it has
 * packets (a polling payload), re-issued as soon as it returns; packets up go in POSTs.
 */

import { getText } from "#http";
import { WEBSOCKET_FALLBACK } from "#platform";
import type { TransportFactory } from "../core/transport.js";
import { HttpTransport } from "./base.js";

class Polling extends HttpTransport {
  readonly name = "polling" as const;
  readonly #abort = new AbortController();

  protected start(): void {
    this.handlers.onOpen();
    // The open packet a marked WebSocket handshake already brought (Node): no handshake GET.
    if (WEBSOCKET_FALLBACK && this.ctx.preopened) this.answered(this.ctx.preopened, this.#poll);
    else this.#poll();
  }

  #poll = (): void => {
    this.downBusy = true;
    getText(this.ctx, this.#abort.signal).then(
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
