import assert from "node:assert/strict";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { Server } from "@switchboard/server";

async function listeningPort(io: Server): Promise<number> {
  const http = io.httpServer!;
  if (!http.listening) await once(http, "listening");
  return (http.address() as AddressInfo).port;
}

test("new Server(port) answers other paths with 404 and io.close() stops listening", async () => {
  const io = new Server(0);
  const port = await listeningPort(io);
  const res = await fetch(`http://127.0.0.1:${port}/not-socket-io`);
  assert.equal(res.status, 404);
  await res.arrayBuffer();
  await io.close();
  assert.equal(io.httpServer!.listening, false);
  assert.equal(io.state, "closed");
});

test("io.close() answers a waiting long-poll and completes", async () => {
  const io = new Server(0);
  const port = await listeningPort(io);
  const base = `http://127.0.0.1:${port}/socket.io/?EIO=4&transport=polling`;
  const open = await (await fetch(base)).text();
  const sid = (JSON.parse(open.slice(1)) as { sid: string }).sid;
  const connected = once(io, "connection");
  assert.equal(
    await (await fetch(`${base}&sid=${sid}`, { method: "POST", body: "40" })).text(),
    "ok",
  );
  const ack = await (await fetch(`${base}&sid=${sid}`)).text();
  assert.match(ack, /^40\{"sid":"/);
  await connected;
  const arrived = new Promise<void>((resolve) => {
    io.httpServer!.on("request", (req) => {
      if (req.method === "GET" && req.url?.includes(sid)) resolve();
    });
  });
  const waiting = fetch(`${base}&sid=${sid}`).then((r) => r.text());
  await arrived;
  await io.close();
  // The waiting GET got an answer ending in the close packet, not a hang.
  const answer = await waiting;
  assert.equal(answer.at(-1), "1");
  assert.ok(answer.length === 1 || answer.at(-2) === "\x1e", JSON.stringify(answer));
  assert.equal(io.httpServer!.listening, false);
});
