/** A bare HTTP server on 127.0.0.1:0 whose requests go to one handler: for driving a unit over real sockets. */
import { once } from "node:events";
import { createServer, IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Socket } from "node:net";

export interface Loopback {
  readonly port: number;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 port 0; every request goes to `handle`. */
export async function loopback(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<Loopback> {
  const server = createServer(handle);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A real `IncomingMessage` (on an unconnected socket) with the given request line and headers:
 * what the engine's checks read of a request, without a connection.
 */
export function requestOf(
  method: string,
  url: string,
  headers: Record<string, string> = {},
): IncomingMessage {
  const req = new IncomingMessage(new Socket());
  req.method = method;
  req.url = url;
  req.headers = headers;
  return req;
}
