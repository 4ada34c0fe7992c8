/**
 * What every HTTP transport (polling, jsonp, sse, htmlfile) shares: the sink, the POSTs up
 * (post.ts), the dispatch of a request by method, letting go of the POSTs when the transport
 * closes (handing one still arriving over to the session after an upgrade), the headers of
 * every answer (`answerHeaders`, http-edge.ts), and the factory. A subclass says how packets go down (a poll's answer, a
 * stream) by implementing its GET, `send` and `close`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { EnginePacket } from "@switchboard/protocol";
import { trace } from "../debug.js";
import { EngineError } from "../errors.js";
import { writeError } from "../http-edge.js";
import type {
  HttpServerTransport,
  HttpTransportFactory,
  TransportCloseMode,
  TransportContext,
  TransportSink,
} from "../transport.js";
import { PostReceiver } from "./post.js";

/** The base of the HTTP transports of one session. */
export abstract class HttpTransport implements HttpServerTransport {
  abstract readonly name: string;
  abstract readonly writable: boolean;
  abstract readonly bufferedAmount: number;
  /** Where the transport reports; null once it has let go of its session. */
  protected sink: TransportSink | null = null;
  protected readonly posts: PostReceiver;

  constructor(
    protected readonly ctx: TransportContext,
    /** Whether the transport carries a new session (its first answer is the handshake's). */
    protected initial: boolean,
  ) {
    this.posts = new PostReceiver(ctx, { sink: () => this.sink, fail: (e) => this.fail(e) });
  }

  /** The GET that takes packets down (a poll, a stream). */
  protected abstract onGet(req: IncomingMessage, res: ServerResponse): void;

  abstract send(
    packets: readonly EnginePacket[],
    options: { compress: boolean },
    onWritten?: () => void,
  ): void;

  abstract close(mode: TransportCloseMode, onClosed?: () => void): void;

  pause(): void {
    this.posts.pause();
  }

  resume(): void {
    this.posts.resume();
  }

  setSink(sink: TransportSink | null): void {
    this.sink = sink;
  }

  handleRequest(req: IncomingMessage, res: ServerResponse): void {
    if (req.method === "GET") this.onGet(req, res);
    else if (req.method === "POST") this.posts.handle(req, res);
    else writeError(res, new EngineError("BAD_REQUEST", `Unexpected method ${req.method}`));
  }

  /**
   * Lets go of the session: a POST still arriving is refused, except after an upgrade
   * ("discard"), when it is read to its end and its packets go to the session all the same.
   */
  protected releasePosts(mode: TransportCloseMode): void {
    this.posts.close(mode === "discard" ? this.sink : null);
    this.sink = null;
  }

  /** A transport error: the session fails with it. */
  protected fail(error: EngineError): void {
    trace("http transport error", { transport: this.name, code: error.code });
    this.sink?.onTransportError("transport error", error);
  }
}

/** What makes an HTTP transport's factory: all but what every one of them has. */
export type HttpFactorySpec = Omit<HttpTransportFactory, "via" | "create"> & {
  /** A transport for a new session (`initial`) or for an upgrade onto it. */
  create(initial: boolean): HttpTransport;
};

/** The factory of an HTTP transport (they hold no shared resources: nothing to close). */
export function httpTransportFactory(spec: HttpFactorySpec): HttpTransportFactory {
  const { create, ...rest } = spec;
  return { ...rest, via: "http", create: (_req, initial) => create(initial) };
}
