/**
 * A client flooding 100,000 packets as fast as it can (about 100k/s on loopback) against the
 * rateLimit option: with "disconnect" it is closed with "rate limit"; with "drop" it stays,
 * most of its packets never reach a handler, and it is told; either way another client's
 * echoes are answered.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { type RateLimitOptions, Server } from "@switchboard/server";
import { WirePeer } from "./wire-peer.ts";

const PACKETS = 100_000;

async function run(rateLimit: RateLimitOptions) {
  const http = createServer();
  const io = new Server(http, { rateLimit, serveClient: false });
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  let handled = 0;
  const reasons: string[] = [];
  io.on("connection", (socket) => {
    socket.on("m", () => handled++);
    socket.on("echo", (v: unknown, ack: (v: unknown) => void) => ack(v));
    socket.on("disconnect", (reason) => reasons.push(reason));
  });
  try {
    const flooder = (await WirePeer.open(url)).peer;
    flooder.send("0");
    await flooder.nextPacket();
    const echo = (await WirePeer.open(url)).peer;
    echo.send("0");
    await echo.nextPacket();
    for (let sent = 0; sent < PACKETS && flooder.ws.readyState === flooder.ws.OPEN; ) {
      for (let i = 0; i < 10_000; i++, sent++) flooder.send('2["m"]');
      await new Promise((resolve) => setImmediate(resolve));
    }
    // The echo client's request goes after the whole flood was sent.
    echo.send('21["echo","still here"]');
    assert.equal(await echo.nextPacket(), '31["still here"]');
    echo.close();
    // Read before the finally's close adds its own reasons.
    return { handled, reasons: [...reasons], flooder };
  } finally {
    http.closeAllConnections();
    await io.close();
  }
}

test('100k packets against { onLimit: "disconnect" }: closed with "rate limit"', async (t) => {
  const { handled, reasons } = await run({
    packetsPerSecond: 1000,
    burst: 1000,
    onLimit: "disconnect",
    maxViolations: 1000,
  });
  t.diagnostic(`${handled} of ${PACKETS} packets handled before the close`);
  assert.equal(reasons[0], "rate limit");
  assert.ok(handled < PACKETS / 10, `${handled} handled`);
});

test('100k packets against { onLimit: "drop" }: most dropped, the client told, still connected', async (t) => {
  const { handled, reasons, flooder } = await run({ packetsPerSecond: 1000, burst: 1000 });
  const notice = await flooder.nextPacket();
  t.diagnostic(`${handled} of ${PACKETS} packets handled`);
  assert.match(notice, /^2\["rate limit",\{"retryAfter":\d+\}\]$/);
  assert.ok(handled < PACKETS / 10, `${handled} handled`);
  assert.deepEqual(reasons, [], "the flooder is still connected");
});
