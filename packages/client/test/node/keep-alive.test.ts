/**
 * Requests of the Node build's HTTP transports on kept-alive connections: a connection the server
 * closed while idle, just as a request went out on it, costs the transport nothing.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { Agent } from "node:http";
import { type AddressInfo, createServer, type Socket } from "node:net";
import { test } from "node:test";
import type { TransportContext } from "../../src/core/transport.ts";
import { getText } from "../../src/transports/http.node.ts";

/**
 * A server that answers the first request of each connection, keeps it alive, and drops the
 * connection (unanswered) when a second request arrives on it: what a client sees when the
 * server's keep-alive timeout closes an idle connection as the client reuses it.
 */
async function droppingServer(): Promise<{
  port: number;
  connections: () => number;
  dropAll: () => void;
  close: () => void;
}> {
  let connections = 0;
  let dropAll = false;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    let answered = 0;
    socket.on("data", (chunk) => {
      if (!chunk.toString("latin1").includes("\r\n\r\n")) return;
      if (answered++ > 0 || dropAll) {
        socket.destroy();
        return;
      }
      socket.write("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\nok!");
    });
    socket.on("close", () => sockets.delete(socket));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    dropAll: () => {
      dropAll = true;
    },
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

test("a poll on a kept-alive connection the server dropped goes again on a fresh one, once", async () => {
  const server = await droppingServer();
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const ctx = {
    url: () => `http://127.0.0.1:${server.port}/socket.io/?EIO=4&transport=polling`,
    extraHeaders: {},
    timestampRequests: false,
    timestampParam: "t",
    node: { agent },
  } as unknown as TransportContext;
  try {
    const signal = new AbortController().signal;
    assert.equal(await getText(ctx, signal), "ok!");
    // The same connection, kept alive, is reused: the server drops it; the poll goes again.
    assert.equal(await getText(ctx, signal), "ok!");
    assert.equal(server.connections(), 2);
    // Once only: when the fresh connection fails too, the failure is the transport's.
    server.dropAll();
    await assert.rejects(getText(ctx, signal), { name: "ClientError", type: "TransportError" });
    assert.equal(server.connections(), 3, "one retry, on one fresh connection");
  } finally {
    agent.destroy();
    server.close();
  }
});
