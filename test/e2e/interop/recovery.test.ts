/**
 * Connection state recovery with the socket object an application still holds: `socket.emit`
 * on the socket of a client that dropped its transport is kept with an offset while the client
 * is away, replayed when it recovers, and delivered to the recovered socket once it is back;
 * each event once and in order. Driven by socket.io-client 4.8 and by @switchboard/client.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, test } from "node:test";
import { io as switchboardIo } from "@switchboard/client";
import { type DisconnectReason, Server, type Socket } from "@switchboard/server";
import { io as socketIoClient } from "socket.io-client";

/** What the test needs of either client's socket. */
interface ClientSocket {
  readonly id: string | undefined;
  readonly recovered: boolean;
  readonly io: { readonly engine: { close(): unknown } | undefined };
  on(ev: string, fn: (...args: never[]) => void): unknown;
  once(ev: string, fn: (...args: never[]) => void): unknown;
  connect(): unknown;
  disconnect(): unknown;
}

type Transports = ["websocket"] | ["polling"];
const clients: Record<string, (url: string, transports: Transports) => ClientSocket> = {
  "socket.io-client 4.8": (url, transports) =>
    socketIoClient(url, { forceNew: true, reconnection: false, transports }) as ClientSocket,
  "@switchboard/client": (url, transports) =>
    switchboardIo(url, {
      forceNew: true,
      reconnection: false,
      transports,
    }) as unknown as ClientSocket,
};

function nextEvent(emitter: ClientSocket, ev: string): Promise<unknown[]> {
  return new Promise((resolve) => emitter.once(ev, (...args: never[]) => resolve(args)));
}

for (const [name, connect] of Object.entries(clients)) {
  for (const transports of [["websocket"], ["polling"]] as Transports[]) {
    describe(`${name}, ${transports[0]}`, () => {
      test("emits on the old socket object: kept while away, replayed on recovery, then delivered; once, in order", async () => {
        const http = createServer();
        const io = new Server(http, {
          connectionStateRecovery: { maxDisconnectionDuration: 10_000 },
        });
        http.listen(0, "127.0.0.1");
        await once(http, "listening");
        const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
        const sockets: Socket[] = [];
        io.on("connection", (socket) => {
          sockets.push(socket);
        });
        const client = connect(url, transports);
        try {
          const received: number[] = [];
          client.on("n", (n: number) => received.push(n));
          await nextEvent(client, "connect");
          const old = sockets[0]!;
          const first = nextEvent(client, "n");
          old.emit("n", 1);
          // The client has seen an offset: without one, what it missed cannot be known.
          await first;
          const away = new Promise<DisconnectReason>((resolve) => old.on("disconnect", resolve));
          // The network drops: the client's transport closes; the application still holds `old`.
          client.io.engine!.close();
          assert.equal(await away, "transport close");
          old.emit("n", 2);
          old.emit("n", 3);
          const back = nextEvent(client, "connect");
          client.connect();
          await back;
          assert.equal(client.recovered, true);
          const recovered = sockets[1]!;
          assert.equal(recovered.id, old.id);
          // Back: the old object's emits reach the client through the recovered socket.
          old.emit("n", 4);
          recovered.emit("n", 5);
          old.emit("n", 6);
          const done = nextEvent(client, "done");
          recovered.emit("done");
          await done;
          assert.deepEqual(received, [1, 2, 3, 4, 5, 6]);
        } finally {
          client.disconnect();
          await io.close();
        }
      });
    });
  }
}
