/**
 * Server-Sent Events (`transport=sse`) for Node, on a streaming node:http GET: the answer is
 * `text/event-stream`, each event's `data` is one engine packet (binary as `b` + base64), the
 * first event of a new session is the open packet; packets up go in POSTs. Node has no
 * EventSource, and this one never retries by itself: an error goes to the engine client.
 */
import { SSE_JSON_EVENT } from "@switchboard/protocol";
import { transportError } from "../core/errors.js";
import type { TransportFactory } from "../core/transport.js";
import { HttpTransport } from "./base.js";
import { bodyOf, send } from "./http.node.js";
import { SseParser } from "./sse-parser.js";

class SseNode extends HttpTransport {
  readonly name = "sse" as const;
  readonly #abort = new AbortController();

  protected start(): void {
    this.downBusy = true;
    send(this.ctx, "GET", { accept: "text/event-stream" }, undefined, this.#abort.signal)
      .then((res) => {
        if (this.state === "closed") return void res.destroy();
        const type = res.headers["content-type"] ?? "";
        if (!type.startsWith("text/event-stream")) {
          res.destroy();
          throw transportError(`not an event stream: ${type}`);
        }
        this.handlers.onOpen();
        // SSE_JSON_EVENT carries its packet as a JSON string (a packet with a "\r" in it).
        const parser = new SseParser((data, event) =>
          this.receiveText(data, true, event === SSE_JSON_EVENT),
        );
        const body = bodyOf(res);
        body.setEncoding("utf8");
        body.on("data", (chunk: string) => {
          if (this.state !== "closed" && !parser.push(chunk)) res.destroy();
        });
        body.on("end", () => {
          if (this.state === "closed") return;
          this.close();
          this.handlers.onClose();
        });
        body.on("error", (error) => this.fail(transportError(error.message, error)));
      })
      .catch((error: unknown) => this.fail(error));
  }

  protected stop(): void {
    this.#abort.abort();
  }
}

/** The SSE transport (Node: a streaming node:http request). */
export const sse: TransportFactory = {
  transportName: "sse",
  create: (ctx, handlers) => new SseNode(ctx, handlers),
};
