/**
 * The SSE transport in Node (streaming fetch) against the fake server's wire format, and the
 * ladder's fallback when an event stream stalls (a proxy that buffers it).
 */
import assert from "node:assert/strict";
import type { ServerResponse } from "node:http";
import { test } from "node:test";
import { forgetTransports, io } from "@switchboard/client";
import { received, startFake } from "../fake-engine.ts";
import { next, startServer } from "../helpers.ts";

test("sse: handshake on the stream, events, binary and acks both ways", async () => {
  const { fake, url, close } = await startFake();
  const socket = io(url, { forceNew: true, path: "/fake/", transports: ["sse"] });
  const hello = next(socket, "hello");
  const bin = next<[Buffer]>(socket, "bin");
  await next(socket, "connect");
  assert.equal(socket.io.engine?.transport?.name, "sse");
  assert.equal(socket.id, "S-fake0");
  assert.deepEqual(await hello, ["world"]);
  assert.deepEqual([...(await bin)[0]], [1, 2, 3]);
  assert.equal(await socket.emitWithAck("echo", 5), 5);
  socket.emit("up", Buffer.from([7, 8]));
  socket.disconnect();
  // The client's packets, as the server received them (POST bodies are polling payloads).
  await received(fake, "1");
  assert.deepEqual(fake.received, [
    "40",
    '420["echo",5]',
    '451-["up",{"_placeholder":true,"num":0}]',
    "bBwg=",
    "41",
    "1",
  ]);
  await close();
});

test("sse: a stream that never delivers (buffering proxy) falls back to polling", async () => {
  forgetTransports();
  const server = await startServer();
  const held: ServerResponse[] = [];
  // A proxy in front of socket.io that answers event streams and never delivers them.
  const original = server.http.listeners("request") as ((...a: unknown[]) => void)[];
  server.http.removeAllListeners("request");
  server.http.on("request", (req, res) => {
    if (!req.url?.includes("transport=sse")) {
      for (const listener of original) listener(req, res);
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(": buffered by a proxy, nothing arrives\n\n");
    held.push(res);
  });
  const socket = io(server.url, {
    forceNew: true,
    transports: ["sse", "polling"],
    transportTimeout: 500, // long enough for polling to open on a loaded machine
  });
  await next(socket, "connect");
  assert.equal(socket.io.engine?.transport?.name, "polling");
  assert.equal(held.length, 1);
  socket.disconnect();
  for (const res of held) res.end();
  await server.close();
});

for (const noopAfterProbe of [false, true]) {
  const order = noopAfterProbe ? "3probe then noop" : "noop then 3probe";
  test(`sse upgrades to websocket (${order}): waits for the stream's noop, nothing lost`, async () => {
    const { fake, url, close } = await startFake();
    fake.upgrades = ["websocket"];
    fake.upgradeScript = noopAfterProbe ? "noop after" : "noop first";
    fake.duringUpgrade = ['42["during","upgrade"]'];
    const socket = io(url, { forceNew: true, path: "/fake/", transports: ["sse", "websocket"] });
    // The noop goes out once the client read 3probe (it is upgrading), not after a delay.
    if (noopAfterProbe) socket.io.engine!.once("upgrading", () => fake.endUpgradeStream());
    const during: unknown[] = [];
    socket.on("during", (v) => during.push(v));
    await next(socket, "connect");
    assert.equal(socket.io.engine?.transport?.name, "sse");
    await next(socket.io.engine!, "upgrade");
    assert.equal(socket.io.engine?.transport?.name, "websocket");
    await received(fake, "5");
    assert.deepEqual(
      fake.upgradeLog,
      noopAfterProbe
        ? ["3probe sent", "noop sent", "5 received"]
        : ["noop sent", "3probe sent", "5 received"],
    );
    assert.equal(await socket.emitWithAck("echo", "over ws"), "over ws");
    assert.deepEqual(during, ["upgrade"], "the packet sent mid-upgrade arrives once, over ws");
    assert.deepEqual(fake.received.slice(-2), ["5", '420["echo","over ws"]']);
    socket.disconnect();
    await close();
  });
}
