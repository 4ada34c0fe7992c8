/**
 * A Switchboard server instrumented by the official Socket.IO Admin UI (`@socket.io/admin-ui`
 * 0.5), and an admin client speaking the Admin UI's own protocol: a socket.io-client socket on
 * the `/admin` namespace that records every event the dashboard listens to.
 */
import { once } from "node:events";
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { instrument } from "@socket.io/admin-ui";
import { Server } from "@switchboard/server";
import { type Socket as ClientSocket, io as connect } from "socket.io-client";

/** The options of `instrument()` this harness passes on. */
export type InstrumentOptions = NonNullable<Parameters<typeof instrument>[1]>;

/** The events the Admin UI's web app listens to on `/admin`. */
export const ADMIN_EVENTS = [
  "config",
  "session",
  "all_sockets",
  "server_stats",
  "socket_connected",
  "socket_updated",
  "socket_disconnected",
  "room_joined",
  "room_left",
  "event_received",
  "event_sent",
] as const;
export type AdminEvent = (typeof ADMIN_EVENTS)[number];

/** An admin connection that keeps every event it got, in order. */
export class AdminClient {
  readonly socket: ClientSocket;
  readonly log: { event: AdminEvent; args: unknown[] }[] = [];
  #waiters: {
    event: AdminEvent;
    match: (args: unknown[]) => boolean;
    done: (args: unknown[]) => void;
  }[] = [];

  constructor(url: string, auth?: Record<string, unknown>) {
    this.socket = connect(`${url}/admin`, {
      forceNew: true,
      reconnection: false,
      transports: ["websocket"],
      auth,
    });
    for (const event of ADMIN_EVENTS) {
      this.socket.on(event, (...args: unknown[]) => {
        this.log.push({ event, args });
        this.#waiters = this.#waiters.filter((w) => {
          if (w.event !== event || !w.match(args)) return true;
          w.done(args);
          return false;
        });
      });
    }
  }

  /** The arguments of the first `event` (already received or to come) that `match` accepts. */
  next(event: AdminEvent, match: (args: unknown[]) => boolean = () => true): Promise<unknown[]> {
    const seen = this.log.find((e) => e.event === event && match(e.args));
    if (seen) return Promise.resolve(seen.args);
    return new Promise((resolve) => {
      this.#waiters.push({ event, match, done: resolve });
    });
  }

  /** Every received `event`'s arguments. */
  all(event: AdminEvent): unknown[][] {
    return this.log.filter((e) => e.event === event).map((e) => e.args);
  }

  close(): void {
    this.socket.disconnect();
  }
}

/** A running instrumented server. */
export interface Instrumented {
  io: Server;
  http: HttpServer;
  url: string;
  close(): Promise<void>;
}

/** Starts an HTTP server on 127.0.0.1 port 0 with a Switchboard server that `instrument()` watches. */
export async function startInstrumented(
  options: InstrumentOptions,
  setup: (io: Server) => void = () => {},
): Promise<Instrumented> {
  const http = createServer();
  const io = new Server(http);
  setup(io);
  // The Admin UI is typed against socket.io's Server; Switchboard's is a drop-in for what
  // instrument() reads (see the server README, "Monitoring").
  instrument(io as unknown as Parameters<typeof instrument>[0], options);
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  const { port } = http.address() as AddressInfo;
  return {
    io,
    http,
    url: `http://127.0.0.1:${port}`,
    async close() {
      await io.close();
    },
  };
}
