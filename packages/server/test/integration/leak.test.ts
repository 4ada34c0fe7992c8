/**
 * 2,000 clients connect, join rooms, talk and leave: afterwards no socket, room, client or
 * engine session is left behind.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { Server } from "@switchboard/server";
import { WirePeer } from "./wire-peer.ts";

const CLIENTS = 2000;
const BATCH = 100;

test(`nothing leaks after ${CLIENTS} clients connect, join rooms and leave`, async () => {
  const http = createServer();
  const io = new Server(http);
  let disconnected = 0;
  let allGone: () => void = () => {};
  const gone = new Promise<void>((resolve) => {
    allGone = resolve;
  });
  io.on("connection", (socket) => {
    socket.on("join", (rooms: string[], ack: () => void) => {
      void socket.join(rooms);
      socket.to(rooms[0]!).emit("joined", socket.id);
      ack();
    });
    socket.on("disconnect", () => {
      if (++disconnected === CLIENTS) allGone();
    });
  });
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const adapter = io.of("/").adapter;
  try {
    for (let start = 0; start < CLIENTS; start += BATCH) {
      await Promise.all(
        Array.from({ length: BATCH }, async (_, i) => {
          const n = start + i;
          const { peer } = await WirePeer.open(url);
          peer.send("0");
          await peer.nextPacket();
          peer.send(`21["join",["room-${n % 10}","user-${n}"]]`);
          // skip "joined" broadcasts until our ack arrives
          for (let k = 0; k < BATCH + 1; k++) if ((await peer.nextPacket()) === "31[]") break;
          peer.close();
          await peer.closed;
        }),
      );
    }
    await gone;
    assert.equal(disconnected, CLIENTS);
    assert.equal(io.sockets.sockets.size, 0);
    assert.equal(adapter.rooms.size, 0);
    assert.equal(adapter.sids.size, 0);
    assert.equal(io.clientsCount, 0);
    assert.equal(io.engine.clientsCount, 0);
    assert.equal(io.sockets.listenerCount("connection"), 1);
  } finally {
    await io.close();
  }
});
