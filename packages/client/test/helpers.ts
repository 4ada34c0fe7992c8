/** Test helpers: an official socket.io 4.8 server or this project's on port 0, and awaiting events. */
import { once } from "node:events";
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server as ProjectServerClass } from "@switchboard/server";
import { Server, type ServerOptions } from "socket.io";

/** A socket.io server listening on 127.0.0.1 on a free port. */
export interface TestServer {
  io: Server;
  http: HttpServer;
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Starts an official socket.io server (on `port`, or a free one). */
export async function startServer(
  options: Partial<ServerOptions> = {},
  port = 0,
): Promise<TestServer> {
  const http = createServer();
  const io = new Server(http, options);
  http.listen(port, "127.0.0.1");
  await once(http, "listening");
  const actual = (http.address() as AddressInfo).port;
  return {
    io,
    http,
    port: actual,
    url: `http://127.0.0.1:${actual}`,
    close: () =>
      new Promise<void>((resolve) => {
        io.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}

/** Resolves with the arguments of the next `event` (any emitter with `once`). */
export function next<T extends unknown[] = unknown[]>(
  emitter: { once(event: string, listener: (...args: never[]) => void): unknown },
  event: string,
): Promise<T> {
  return new Promise((resolve) => {
    emitter.once(event, ((...args: T) => resolve(args)) as unknown as (...args: never[]) => void);
  });
}

/** This project's server (@switchboard/server) listening on 127.0.0.1 on a free port. */
export interface ProjectServer {
  server: ProjectServerClass;
  url: string;
  close(): Promise<void>;
}

/** Starts this project's server on a free port, with `options`. */
export async function startProjectServer(
  options: ConstructorParameters<typeof ProjectServerClass>[1] = {},
): Promise<ProjectServer> {
  const http = createServer();
  const server = new ProjectServerClass(http, options);
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  return {
    server,
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    close: async () => {
      await server.close();
      http.closeAllConnections();
    },
  };
}
