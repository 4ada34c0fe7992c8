/**
 * Cluster test support: Switchboard (or Socket.IO) servers on 127.0.0.1 port 0, each with its
 * own adapter, and socket.io-client 4.8 clients that record every event they receive, so a
 * test can count deliveries. Everything opened is closed by `closeAll()`.
 */
import { once } from "node:events";
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server, type ServerOptions } from "@switchboard/server";
import { type Socket as ClientSocket, io as connect } from "socket.io-client";

/** A server listening on a loopback port. */
export interface Node<S = Server> {
  io: S;
  http: HttpServer;
  url: string;
}

/** A client that records the events it receives, in order. */
export interface RecordingClient {
  socket: ClientSocket;
  /** Every event received: [name, ...args]. */
  received: unknown[][];
  /** How many times `event` was received. */
  count(event: string): number;
  /** Resolves once `event` has been received `n` times in total. */
  until(event: string, n?: number): Promise<void>;
}

/** Owns the servers and clients of one test. */
export class Cluster {
  readonly #closers: (() => Promise<void> | void)[] = [];

  /** Starts a Switchboard server on a free loopback port. */
  async node(options: ServerOptions = {}): Promise<Node> {
    const http = createServer();
    const io = new Server(http, options);
    return this.adopt(io, http, () => io.close());
  }

  /** Listens `http` on a free loopback port; `close` runs at `closeAll()` (once). */
  async adopt<S>(io: S, http: HttpServer, close: () => Promise<void> | void): Promise<Node<S>> {
    http.listen(0, "127.0.0.1");
    await once(http, "listening");
    let closed = false;
    const node = { io, http, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
    this.#closers.push(async () => {
      if (closed) return;
      closed = true;
      http.closeAllConnections();
      await close();
    });
    return node;
  }

  /** Connects a recording client (websocket only, no reconnection) and waits for "connect". */
  async client(node: { url: string }, nsp = "/"): Promise<RecordingClient> {
    const socket = connect(`${node.url}${nsp}`, {
      forceNew: true,
      reconnection: false,
      transports: ["websocket"],
    });
    this.#closers.push(() => {
      socket.disconnect();
    });
    const received: unknown[][] = [];
    const waiters: (() => void)[] = [];
    socket.onAny((...args: unknown[]) => {
      received.push(args);
      for (const w of waiters.splice(0)) w();
    });
    const count = (event: string) => received.filter((r) => r[0] === event).length;
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", () => resolve());
      socket.once("connect_error", reject);
    });
    return {
      socket,
      received,
      count,
      until(event, n = 1) {
        return new Promise((resolve) => {
          const check = () => {
            if (count(event) >= n) resolve();
            else waiters.push(check);
          };
          check();
        });
      },
    };
  }

  /** Closes every client, then every server (in reverse order of creation). */
  async closeAll(): Promise<void> {
    for (const close of this.#closers.splice(0).reverse()) await close();
  }
}
