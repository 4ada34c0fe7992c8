/**
 * The rateLimit option: a token bucket per connection (and per event name) on incoming
 * packets; past it packets are dropped with one notice per run, or the connection is closed
 * with "rate limit" after maxViolations.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { BadOptionError, type DisconnectReason } from "@switchboard/server";
import { fakeServer, tick } from "../helpers.ts";

async function setup(rateLimit: Parameters<typeof fakeServer>[0]) {
  const { io, engine } = fakeServer(rateLimit);
  const got: string[] = [];
  const reasons: DisconnectReason[] = [];
  io.on("connection", (socket) => {
    socket.onAny((event: string) => got.push(event));
    socket.on("disconnect", (reason) => reasons.push(reason));
  });
  const session = engine.open();
  session.receive("0");
  await tick();
  session.take();
  return { io, session, got, reasons };
}

test("drop: past the burst, packets are dropped and the client hears it once per run", async () => {
  // The CONNECT spends a token too: 3 of burst 4 are left.
  const { io, session, got } = await setup({ rateLimit: { packetsPerSecond: 1, burst: 4 } });
  for (let i = 0; i < 10; i++) session.receive(`2["m",${i}]`);
  assert.deepEqual(got, ["m", "m", "m"]);
  const notices = session.take();
  assert.equal(notices.length, 1);
  assert.match(String(notices[0]), /^2\["rate limit",\{"retryAfter":\d+\}\]$/);
  assert.equal(session.state, "open");
  await io.close();
});

test("per event name: a busy event is limited on its own, others go on", async () => {
  const { io, session, got } = await setup({
    rateLimit: { packetsPerSecond: 1000, events: { typing: { packetsPerSecond: 1, burst: 2 } } },
  });
  for (let i = 0; i < 5; i++) session.receive('2["typing"]');
  session.receive('2["message"]');
  assert.deepEqual(got, ["typing", "typing", "message"]);
  assert.match(
    String(session.take()[0]),
    /^2\["rate limit",\{"event":"typing","retryAfter":\d+\}\]$/,
  );
  await io.close();
});

test('disconnect: more than maxViolations dropped packets close the connection with "rate limit"', async () => {
  const { io, session, got, reasons } = await setup({
    rateLimit: { packetsPerSecond: 1, burst: 2, onLimit: "disconnect", maxViolations: 3 },
  });
  for (let i = 0; i < 10 && session.state === "open"; i++) session.receive('2["m"]');
  assert.deepEqual(got, ["m"]);
  assert.deepEqual(reasons, ["rate limit"]);
  assert.deepEqual(session.discards, [true]);
  await io.close();
});

test("a DISCONNECT is never dropped", async () => {
  const { io, session, reasons } = await setup({ rateLimit: { packetsPerSecond: 1, burst: 1 } });
  session.receive('2["m"]');
  session.receive("1");
  assert.deepEqual(reasons, ["client namespace disconnect"]);
  await io.close();
});

test("impossible rateLimit settings are refused", () => {
  assert.throws(() => fakeServer({ rateLimit: { packetsPerSecond: 0 } }), BadOptionError);
  assert.throws(
    () => fakeServer({ rateLimit: { packetsPerSecond: 1, onLimit: "ban" as "drop" } }),
    BadOptionError,
  );
});
