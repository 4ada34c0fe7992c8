/**
 * The first frames after a namespace CONNECT. A `ws` client that awaits one message at a time
 * (`await once(ws, "message")` for the CONNECT answer, and only then listens again) must not
 * lose what the "connection" handler emitted at once: the CONNECT answer leaves in a TCP write
 * of its own, as it does from Socket.IO 4.8, and what follows waits for the event loop to turn.
 * Frames emitted together later still leave together (batching is where throughput comes from).
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { describe, test } from "node:test";
import { Server } from "@switchboard/server";
import { Server as SocketIOServer } from "socket.io";
import WebSocket from "ws";

interface App {
  on(ev: "connection", fn: (socket: { emit(ev: string, ...a: unknown[]): unknown }) => void): void;
  close(): unknown;
}

/** The payloads of the server-to-client WebSocket frames (unmasked, text) in `bytes`. */
function framesOf(bytes: Buffer): string[] {
  const out: string[] = [];
  let at = 0;
  while (at + 2 <= bytes.length) {
    let length = bytes[at + 1]! & 0x7f;
    let header = 2;
    if (length === 126) {
      length = bytes.readUInt16BE(at + 2);
      header = 4;
    } else if (length === 127) {
      length = Number(bytes.readBigUInt64BE(at + 2));
      header = 10;
    }
    out.push(bytes.subarray(at + header, at + header + length).toString());
    at += header + length;
  }
  return out;
}

/**
 * Records what the server writes to each upgraded connection, one entry per write handed to
 * the operating system (a corked batch is one write), as the frames it carries.
 */
function recordWrites(http: HttpServer): string[][] {
  const writes: string[][] = [];
  http.prependListener("upgrade", (_req, socket: Duplex) => {
    type Chunk = { chunk: Buffer | string };
    const raw = socket as Duplex & {
      _write(chunk: Buffer, enc: string, cb: () => void): void;
      _writev(chunks: Chunk[], cb: () => void): void;
    };
    const write = raw._write.bind(raw);
    const writev = raw._writev.bind(raw);
    const record = (chunks: (Buffer | string)[]) => {
      const bytes = Buffer.concat(chunks.map((c) => Buffer.from(c)));
      // The HTTP 101 answer is not a frame.
      if (!bytes.subarray(0, 5).equals(Buffer.from("HTTP/"))) writes.push(framesOf(bytes));
    };
    raw._write = (chunk, enc, cb) => {
      record([chunk]);
      write(chunk, enc, cb);
    };
    raw._writev = (chunks, cb) => {
      record(chunks.map((c) => c.chunk));
      writev(chunks, cb);
    };
  });
  return writes;
}

async function serve(kind: "switchboard" | "socket.io") {
  const http = createServer();
  const writes = recordWrites(http);
  const io: App =
    kind === "switchboard"
      ? (new Server(http) as unknown as App)
      : (new SocketIOServer(http) as unknown as App);
  io.on("connection", (socket) => {
    socket.emit("welcome", 1);
    socket.emit("welcome", 2);
  });
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  const port = (http.address() as AddressInfo).port;
  const url = `ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`;
  return {
    url,
    writes,
    async close() {
      await io.close();
      http.closeAllConnections();
    },
  };
}

/** A client that reads one message, then listens for the next: it sees what arrives later. */
async function awaitOneAtATime(url: string): Promise<{ seenWithConnect: string[] }> {
  const ws = new WebSocket(url);
  const all: string[] = [];
  ws.on("message", (data) => all.push(String(data)));
  const [open] = await once(ws, "message");
  assert.match(String(open), /^0\{/);
  ws.send("40");
  const [connect] = await once(ws, "message");
  assert.match(String(connect), /^40\{"sid"/);
  // What had already been emitted by now went past without this client listening.
  const seenWithConnect = all.slice(2);
  ws.close();
  await once(ws, "close");
  return { seenWithConnect };
}

describe("the first frames after a namespace CONNECT", () => {
  for (const kind of ["socket.io", "switchboard"] as const) {
    test(`${kind}: the CONNECT answer ends its write; the connection handler's emits follow in a later one`, async () => {
      const server = await serve(kind);
      try {
        await awaitOneAtATime(server.url);
        const connectAt = server.writes.findIndex((w) => w.some((f) => f.startsWith("40{")));
        assert.notEqual(connectAt, -1);
        const withConnect = server.writes[connectAt]!;
        assert.match(withConnect.at(-1)!, /^40\{/, "nothing after CONNECT in its write");
        const welcomeAt = server.writes.findIndex((w) => w.includes('42["welcome",1]'));
        assert.ok(welcomeAt > connectAt, "the welcome leaves in a later write");
      } finally {
        await server.close();
      }
    });
  }

  test("switchboard: a client awaiting one message at a time, in this process, gets the connection handler's emits", async () => {
    const server = await serve("switchboard");
    try {
      for (let i = 0; i < 10; i++) {
        const { seenWithConnect } = await awaitOneAtATime(server.url);
        assert.deepEqual(seenWithConnect, [], "nothing arrived in the same read as CONNECT");
      }
    } finally {
      await server.close();
    }
  });

  test("switchboard: what is emitted together later still leaves in one write", async () => {
    const http = createServer();
    const writes = recordWrites(http);
    const io = new Server(http);
    http.listen(0, "127.0.0.1");
    await once(http, "listening");
    const port = (http.address() as AddressInfo).port;
    try {
      io.on("connection", (socket) => {
        socket.on("go", () => {
          for (let i = 0; i < 50; i++) socket.emit("n", i);
        });
      });
      const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`);
      await once(ws, "message");
      ws.send("40");
      await once(ws, "message");
      let count = 0;
      const all = new Promise<void>((resolve) =>
        ws.on("message", (data) => {
          if (String(data).startsWith('42["n"') && ++count === 50) resolve();
        }),
      );
      ws.send('42["go"]');
      await all;
      const batches = writes.filter((w) => w.some((f) => f.startsWith('42["n"')));
      assert.equal(batches.length, 1, "the 50 frames left in one write");
      assert.equal(batches[0]!.length, 50);
      ws.close();
    } finally {
      await io.close();
      http.closeAllConnections();
    }
  });
});
