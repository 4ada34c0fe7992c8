/**
 * Integration harness: a real HTTP server on 127.0.0.1 port 0 with a Switchboard server on it,
 * and official socket.io-client 4.8 clients in one of three transport modes.
 */
import { once } from "node:events";
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server, type ServerOptions } from "@switchboard/server";
import {
  type Socket as ClientSocket,
  io as connect,
  type ManagerOptions,
  type SocketOptions,
} from "socket.io-client";

/** The three ways a Socket.IO client connects. */
export const modes = {
  polling: { transports: ["polling"] },
  websocket: { transports: ["websocket"] },
  "default (upgrade)": {},
} as const satisfies Record<string, Partial<ManagerOptions>>;

export type Mode = keyof typeof modes;

/** A running server and a way to make clients; `close()` tears everything down. */
export interface Harness {
  io: Server;
  http: HttpServer;
  url: string;
  client(nsp?: string, options?: Partial<ManagerOptions & SocketOptions>): ClientSocket;
  close(): Promise<void>;
}

export async function start(mode: Mode, options?: ServerOptions): Promise<Harness> {
  const http = createServer();
  const io = new Server(http, options);
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  const { port } = http.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const clients: ClientSocket[] = [];
  return {
    io,
    http,
    url,
    client(nsp = "/", opts = {}) {
      const socket = connect(`${url}${nsp}`, {
        forceNew: true,
        reconnection: false,
        ...modes[mode],
        ...opts,
      });
      clients.push(socket);
      return socket;
    },
    async close() {
      for (const c of clients) c.disconnect();
      const closing = io.close();
      // A long-poll GET that arrives while its session is closing can be held by the engine
      // (reported to the engine's owner); do not let it hold the teardown.
      http.closeAllConnections();
      await closing;
    },
  };
}

/** Resolves with the arguments of the next `event` on `emitter`. */
export function next<T extends unknown[] = unknown[]>(
  // biome-ignore lint/suspicious/noExplicitAny: any emitter's once() (typed or not) will do
  emitter: { once(ev: string, fn: (...args: any[]) => void): unknown },
  event: string,
): Promise<T> {
  return new Promise((resolve) => emitter.once(event, (...args: unknown[]) => resolve(args as T)));
}
