/**
 * io.close({ drainTimeout }): new handshakes get 503, connected clients are told to reconnect
 * (an engine close, "transport close" on their side, after what the server held for them), and
 * the close waits for a client that does not read up to the timeout, then closes it.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, get } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { Server } from "@switchboard/server";
import { io as connect } from "socket.io-client";
import { next } from "./harness.ts";
import { WirePeer } from "./wire-peer.ts";

function status(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on("error", reject);
  });
}

test("a graceful close: 503 for handshakes, clients reconnect after their last packets, a stalled one waits", async () => {
  const http = createServer();
  const io = new Server(http, { maxBufferedBytes: 256 * 1024 * 1024, serveClient: false });
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const reasons: string[] = [];
  io.on("connection", (socket) => {
    socket.on("disconnect", (reason) => reasons.push(reason));
  });

  const client = connect(url, { forceNew: true, transports: ["websocket"] });
  await next(client, "connect");
  const received: string[] = [];
  client.on("last", (m: string) => received.push(m));
  const clientGone = next<[string]>(client, "disconnect");

  // A client that stopped reading with megabytes still to take: the drain waits for it.
  const { peer } = await WirePeer.open(url);
  peer.send("0");
  await peer.nextPacket();
  (peer.ws as unknown as { _socket: import("node:net").Socket })._socket.pause();
  await new Promise((resolve) => setImmediate(resolve));
  const stalled = [...io.sockets.sockets.values()].find(
    (s) => s.conn.transport.name === "websocket" && s.id !== client.id,
  )!;
  const chunk = "y".repeat(1024 * 1024);
  for (let i = 0; i < 32; i++) stalled.emit("big", chunk);
  const sockets = [...io.sockets.sockets.values()];
  sockets.find((s) => s.id === client.id)!.emit("last", "bye");

  const closed = io.close({ drainTimeout: 1000 });
  const [reason] = await clientGone;
  assert.equal(reason, "transport close", "the client reconnects on its own");
  assert.deepEqual(received, ["bye"], "what the server held went out first");
  assert.equal(await status(`${url}/socket.io/?EIO=4&transport=polling`), 503);
  assert.equal(io.state, "closing");
  client.io.opts.reconnection = false;
  client.close();
  await closed;
  assert.equal(io.state, "closed");
  assert.deepEqual(reasons, ["server shutting down", "server shutting down"]);
  assert.equal(io.clientsCount, 0);
  peer.ws.terminate();
});
