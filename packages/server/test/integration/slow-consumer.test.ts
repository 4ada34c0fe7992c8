/**
 * A client that stops reading while the server emits 1 KiB events as fast as it can: the
 * server (a child process) grows by no more than maxBufferedBytes and a constant, closes that
 * client with "slow consumer", and another client's echoes keep being answered. For every
 * transport: a paused WebSocket, a polling client that stops polling, a stalled SSE stream.
 * Socket.IO 4.8's growth under the same flood is printed for comparison, not asserted.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { ChildServer, type Message } from "./child-server.ts";
import { echoLoop, type SlowStart, slowPolling, slowSse, slowWebSocket } from "./slow-clients.ts";
import { WirePeer } from "./wire-peer.ts";

const MIB = 1024 * 1024;
const MAX_BUFFERED = MIB;
/**
 * What the server may grow by beyond maxBufferedBytes: the 1 KiB strings of the flood awaiting
 * collection, the heap's own growth, the kernel's socket buffers are not counted (they are not
 * in RSS). Socket.IO grows by hundreds of MiB in the same flood.
 */
const SLACK = 24 * MIB;
/** The flood: up to 20 s and at most 128 Ki events (64 Ki for Socket.IO), to bound the run. */
const FLOOD_MS = 20_000;
const SOCKET_IO_MAX = 64 * 1024;

const fixture = fileURLToPath(new URL("./fixtures/flood-server.ts", import.meta.url));

/** One flood against `target`; returns RSS growth, the slow client's fate, echoes answered. */
async function flood(target: string, slow: SlowStart, max: number) {
  const child = new ChildServer(fixture, [target, String(MAX_BUFFERED)]);
  try {
    const { port } = (await child.next("port")) as Message & { port: number };
    const url = `http://127.0.0.1:${port}`;
    const echo = await echoLoop(url);
    await child.ask("baseline", "baseline");
    const client = await slow(url, FLOOD_MS, max);
    const ended = (await child.next("flood-end")) as Message & { connected: boolean };
    const answered = await echo.stop();
    const stats = (await child.ask("stats", "stats")) as Message & {
      baseline: number;
      peak: number;
    };
    client.stop();
    const reason = ended.connected ? undefined : (await child.next("disconnect")).reason;
    return { growth: stats.peak - stats.baseline, reason, answered };
  } finally {
    await child.stop();
  }
}

const cases: [string, SlowStart, boolean][] = [
  ["websocket", slowWebSocket, true],
  ["polling", slowPolling, true],
  ["sse", slowSse, false],
];

for (const [name, slow, socketIoHasIt] of cases) {
  test(`${name}: a client that stops reading is closed as a slow consumer; memory stays bounded`, async () => {
    const ours = await flood("switchboard", slow, 2 * SOCKET_IO_MAX);
    const mib = (bytes: number) => (bytes / MIB).toFixed(1);
    let theirs = "n/a (no such transport)";
    if (socketIoHasIt) {
      const them = await flood("socket.io", slow, SOCKET_IO_MAX);
      theirs = `+${mib(them.growth)} MiB after ${SOCKET_IO_MAX} events, still connected: ${them.reason === undefined}`;
    }
    console.log(
      `${name}: switchboard +${mib(ours.growth)} MiB (${ours.reason}, ${ours.answered} echoes answered meanwhile); socket.io 4.8 ${theirs}`,
    );
    assert.equal(ours.reason, "slow consumer");
    assert.ok(
      ours.growth < MAX_BUFFERED + SLACK,
      `RSS grew by ${mib(ours.growth)} MiB, over ${mib(MAX_BUFFERED + SLACK)}`,
    );
    assert.ok(ours.answered > 0, "the other client's echoes were answered");
  });
}

/**
 * A client that sends echo requests (1 KiB each) and never reads the answers, for `ms`: its
 * own send buffer is kept under 8 MiB, so what it pushes is what the server takes in.
 */
async function neverReadingEcho(target: string, ms: number) {
  const child = new ChildServer(fixture, [target, String(MAX_BUFFERED)]);
  try {
    const { port } = (await child.next("port")) as Message & { port: number };
    const url = `http://127.0.0.1:${port}`;
    const { peer } = await WirePeer.open(url);
    peer.send("0");
    await peer.nextPacket();
    await child.ask("baseline", "baseline");
    const socket = (peer.ws as unknown as { _socket: import("node:net").Socket })._socket;
    socket.pause();
    const request = `421["echo","${"e".repeat(1024)}"]`;
    const end = Date.now() + ms;
    let sent = 0;
    while (Date.now() < end) {
      while (peer.ws.bufferedAmount < 8 * MIB && sent % 1000 !== 999) {
        peer.ws.send(request);
        sent++;
      }
      sent++;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const stats = (await child.ask("stats", "stats")) as Message & {
      baseline: number;
      peak: number;
    };
    peer.ws.terminate();
    return { growth: stats.peak - stats.baseline, sent };
  } finally {
    await child.stop();
  }
}

test("a client that sends echo requests and never reads the answers: the server stops reading it", async () => {
  const ours = await neverReadingEcho("switchboard", 3000);
  const theirs = await neverReadingEcho("socket.io", 3000);
  const mib = (bytes: number) => (bytes / MIB).toFixed(1);
  console.log(
    `never-reading echo client, 3 s: switchboard +${mib(ours.growth)} MiB; socket.io 4.8 +${mib(theirs.growth)} MiB`,
  );
  assert.ok(
    ours.growth < MAX_BUFFERED + SLACK,
    `RSS grew by ${mib(ours.growth)} MiB, over ${mib(MAX_BUFFERED + SLACK)}`,
  );
});
