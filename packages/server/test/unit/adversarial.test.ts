/**
 * What an adversarial client could make one connection hold, bounded: refused namespace
 * names, attachments of an incomplete binary packet (count, bytes, time).
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { MAX_NAMESPACE_NAME_LENGTH } from "@switchboard/server";
import { fakeServer, tick } from "../helpers.ts";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const MIB = 1024 * 1024;

test("4,000 CONNECTs to 20,000-character names: none kept, heap bounded while connected", async (t) => {
  const { io, engine } = fakeServer();
  const session = engine.open();
  gc();
  const before = process.memoryUsage().heapUsed;
  const cpu = process.cpuUsage();
  let refusals = 0;
  for (let i = 0; i < 4000; i++) {
    session.receive(`0/${String(i).padStart(20_000, "n")},`);
    refusals += session.take().length;
  }
  await tick();
  refusals += session.take().length;
  const used = process.cpuUsage(cpu);
  gc();
  const grown = process.memoryUsage().heapUsed - before;
  t.diagnostic(
    `heap +${(grown / MIB).toFixed(1)} MiB while connected, ${((used.user + used.system) / 1e6).toFixed(2)} s CPU`,
  );
  assert.equal(refusals, 4000);
  assert.equal(session.state, "open");
  // The names alone are 4,000 x 20,000 bytes (76 MiB): the old code kept every one.
  assert.ok(grown < 8 * MIB, `heap grew by ${(grown / MIB).toFixed(1)} MiB`);
  // Names up to the limit are still served.
  io.of(`/${"a".repeat(MAX_NAMESPACE_NAME_LENGTH - 1)}`);
  session.receive(`0/${"a".repeat(MAX_NAMESPACE_NAME_LENGTH - 1)},`);
  await tick();
  assert.match(String(session.take()[0]), /^0\/a+,\{"sid"/);
  await io.close();
});

test("a binary packet announcing 11 attachments is refused (default maxAttachments 10)", async () => {
  const { io, engine } = fakeServer();
  const session = engine.open();
  session.receive("0");
  await tick();
  session.receive('511-["e",{"_placeholder":true,"num":0}]');
  assert.equal(session.state, "closed");
  await io.close();
});

test("attachments over maxBinaryPacketBytes close the connection before they are all held", async () => {
  const { io, engine } = fakeServer();
  const session = engine.open();
  session.receive("0");
  await tick();
  // 10 attachments of 300 KB announced: 3 MB, over the default (maxHttpBufferSize, 1e6).
  const placeholders = Array.from({ length: 10 }, (_, num) => ({ _placeholder: true, num }));
  session.receive(`510-${JSON.stringify(["e", ...placeholders])}`);
  let fed = 0;
  while (session.state === "open" && fed < 10) {
    session.receive(Buffer.alloc(300_000));
    fed++;
  }
  assert.equal(session.state, "closed");
  assert.equal(fed, 4, "closed at the attachment that went past 1e6 bytes");
  await io.close();
});

test("a binary packet still incomplete after binaryPacketTimeout closes the connection", async () => {
  const { io, engine } = fakeServer({ binaryPacketTimeout: 20 });
  const session = engine.open();
  const reasons: string[] = [];
  io.on("connection", (socket) => socket.on("disconnect", (reason) => reasons.push(reason)));
  session.receive("0");
  await tick();
  session.receive('52-["e",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
  session.receive(Buffer.from([1]));
  await once(session, "close");
  assert.deepEqual(reasons, ["parse error"]);
  await io.close();
});

test("a complete binary packet clears its timer; the next one starts from zero bytes", async () => {
  const { io, engine } = fakeServer({ maxBinaryPacketBytes: 10 });
  const got: number[] = [];
  io.on("connection", (socket) => socket.on("e", (b: Buffer) => got.push(b.length)));
  const session = engine.open();
  session.receive("0");
  await tick();
  for (let i = 0; i < 3; i++) {
    session.receive('51-["e",{"_placeholder":true,"num":0}]');
    session.receive(Buffer.alloc(8));
  }
  assert.deepEqual(got, [8, 8, 8]);
  assert.equal(session.state, "open");
  await io.close();
});
