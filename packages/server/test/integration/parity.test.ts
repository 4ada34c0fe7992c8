/**
 * Wire parity with the official socket.io 4.8 server: the same raw packets, sent to a Socket.IO
 * server and to this one set up alike, get the same frames back (socket ids aside).
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { Server } from "@switchboard/server";
import { Server as SocketIOServer } from "socket.io";
import { WirePeer } from "./wire-peer.ts";

interface AppServer {
  on(ev: "connection", fn: (socket: AppSocket) => void): unknown;
  of(name: string): {
    on(ev: "connection", fn: (socket: AppSocket) => void): unknown;
    use(fn: (socket: AppSocket, next: (err?: Error) => void) => void): unknown;
  };
  close(): unknown;
}
interface AppSocket {
  handshake: { auth: unknown };
  emit(ev: string, ...args: unknown[]): unknown;
  on(ev: string, fn: (...args: never[]) => void): unknown;
  disconnect(close?: boolean): unknown;
}

/** The same application on either server. */
function setUp(io: AppServer): void {
  const onConnection = (socket: AppSocket) => {
    socket.emit("auth", socket.handshake.auth);
    socket.on("echo", (...args: unknown[]) => {
      const ack = args.pop() as (...a: unknown[]) => void;
      ack(...args);
    });
    socket.on("kick", () => socket.disconnect());
  };
  io.on("connection", onConnection);
  io.of("/custom").on("connection", onConnection);
  io.of("/locked").use((_socket, next) =>
    next(Object.assign(new Error("locked"), { data: { code: 42 } })),
  );
}

/** Each step sends one packet, then reads that many frames (before the next step is sent). */
const scenarios: [string, [string, number][]][] = [
  ["main namespace", [["0", 2]]],
  ["custom namespace with auth", [['0/custom,{"token":"abc"}', 2]]],
  ["unknown namespace", [["0/random,", 1]]],
  ["middleware refusal with data", [["0/locked,", 1]]],
  [
    "event with ack",
    [
      ["0", 2],
      ['27["echo",1,"2",{"3":[true]}]', 1],
    ],
  ],
  [
    "binary event with ack",
    [
      ["0", 2],
      ['51-9["echo",{"_placeholder":true,"num":0}]', 0],
      ["<bin>", 2],
    ],
  ],
  [
    "server-side disconnect",
    [
      ["0", 2],
      ['2["kick"]', 1],
    ],
  ],
  [
    "two namespaces on one connection",
    [
      ["0", 2],
      ["0/custom,", 2],
      ['2/custom,["kick"]', 1],
      ['27["echo","still"]', 1],
    ],
  ],
];

async function listen(make: (http: ReturnType<typeof createServer>) => AppServer) {
  const http = createServer();
  const io = make(http);
  setUp(io);
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  return { io, http, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
}

async function run(url: string, steps: [string, number][]): Promise<string[]> {
  const { peer } = await WirePeer.open(url);
  try {
    const frames: string[] = [];
    for (const [packet, count] of steps) {
      if (packet === "<bin>") peer.sendBinary(Uint8Array.from([1, 2, 3]));
      else peer.send(packet);
      for (let i = 0; i < count; i++) {
        const frame = await peer.next();
        frames.push(typeof frame === "string" ? frame : `<bin ${[...frame].join(",")}>`);
      }
    }
    return frames.map((f) =>
      f
        .replace(/"(sid|pid)":"[^"]+"/g, '"$1":"*"')
        // recovery offsets: the last argument of an event, random on either server
        .replace(/^(42.*),"[^"]+"\]$/, '$1,"<offset>"]'),
    );
  } finally {
    peer.close();
  }
}

for (const recovery of [false, true]) {
  describe(`wire parity with socket.io 4.8${recovery ? ", connection state recovery on" : ""}`, () => {
    let ours: Awaited<ReturnType<typeof listen>>;
    let theirs: Awaited<ReturnType<typeof listen>>;
    const options = recovery ? { connectionStateRecovery: {} } : {};
    before(async () => {
      ours = await listen((http) => new Server(http, options) as unknown as AppServer);
      theirs = await listen((http) => new SocketIOServer(http, options) as unknown as AppServer);
    });
    after(async () => {
      await (ours.io as unknown as Server).close();
      await new Promise<void>((resolve) =>
        (theirs.io as unknown as SocketIOServer).close(() => resolve()),
      );
    });

    for (const [name, steps] of scenarios) {
      test(name, async () => {
        const expected = await run(theirs.url, steps);
        const actual = await run(ours.url, steps);
        assert.deepEqual(actual, expected);
      });
    }
  });
}
