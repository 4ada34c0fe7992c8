/**
 * The Manager of the Node entry points: the core Manager, plus the `parser` option (a custom
 * packet codec such as socket.io-msgpack-parser), which replaces the built-in encoding and
 * decoding. (Not in the browser bundle yet: it has no room left in its size budget.)
 */
import type { BinaryData } from "@switchboard/protocol";
import { Manager as CoreManager } from "./manager.js";
import type { ManagerOptions } from "./options.js";
import type { TransportFactory } from "./transport.js";

/** One connection to a server, multiplexing namespaces, with automatic reconnection. */
export class Manager extends CoreManager {
  constructor(
    uri?: string | ManagerOptions,
    options: ManagerOptions = {},
    available: readonly TransportFactory[] = [],
  ) {
    super(uri, options, available);
    const parser = this.opts.node.parser;
    if (!parser) return;
    // As socket.io-client: one Encoder and one Decoder for the Manager's life; the decoder
    // emits each complete packet, and `destroy` drops a half-received one when a connection ends.
    const encoder = new parser.Encoder();
    const decoder = new parser.Decoder();
    decoder.on("decoded", (packet) => this.emitReserved("packet", packet));
    this.on("close", () => decoder.destroy());
    this._packet = (packet) => {
      for (const part of encoder.encode(packet) as (string | BinaryData)[]) {
        this.engine?.write(part);
      }
    };
    this._decode = (data) => {
      decoder.add(data);
      return undefined;
    };
  }
}
