/**
 * One node of the 3-process cluster tests, in its own Node process: a Switchboard server
 * (KIND=switchboard) or a Socket.IO 4.8 server (KIND=socket.io) on 127.0.0.1 (PORT, or a free
 * port), whose session ids are tagged TAG (Socket.IO's through its engine's `generateId`, so
 * that nginx can route them too), with a Redis adapter on REDIS_URL: pub/sub (ADAPTER=pubsub,
 * the default: ours or @socket.io/redis-adapter) or a stream with connection state recovery
 * (ADAPTER=streams: ours or @socket.io/redis-streams-adapter). Prints `{"port":N}` once it
 * listens; exits when its stdin closes, and on SIGTERM after closing gracefully.
 *
 * Every client socket joins "all" and the rooms of its `auth.rooms`, and gets "welcome" with
 * the tag and whether it was recovered. Control sockets (auth `{ control: true }`, connected
 * straight to the node) drive the cluster from this node: "ctl:broadcast" (room "all"),
 * "ctl:fetch", "ctl:who" (serverSideEmit with acks), "ctl:count" (serverCount), "ctl:seq"
 * (starts numbered broadcasts to rooms) and "ctl:seq-stop", each answered through its ack.
 */
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdapter as officialAdapter } from "@socket.io/redis-adapter";
import { createAdapter as officialStreamsAdapter } from "@socket.io/redis-streams-adapter";
import { createAdapter } from "@switchboard/redis-adapter";
import { createAdapter as createStreamsAdapter } from "@switchboard/redis-streams-adapter";
import { Server } from "@switchboard/server";
import { Redis } from "ioredis";
import { Server as SocketIOServer } from "socket.io";

const tag = process.env.TAG ?? "n?";
const url = process.env.REDIS_URL;
if (!url) throw new Error("REDIS_URL is not set");
const streams = process.env.ADAPTER === "streams";
const pub = new Redis(url);
const sub = pub.duplicate();
pub.on("error", () => {});
sub.on("error", () => {});

const recovery = streams ? { connectionStateRecovery: { maxDisconnectionDuration: 60_000 } } : {};
const http = createServer();
let io: Server;
if (process.env.KIND === "socket.io") {
  const sio = new SocketIOServer(http, {
    adapter: streams ? officialStreamsAdapter(pub) : officialAdapter(pub, sub),
    ...recovery,
  });
  sio.engine.generateId = () => `${tag}.${randomBytes(16).toString("base64url")}`;
  io = sio as unknown as Server;
} else {
  io = new Server(http, {
    nodeTag: tag,
    adapter: streams ? createStreamsAdapter(pub) : createAdapter(pub, sub),
    ...recovery,
  });
}

type Ack = (value: unknown) => void;
const failure = (err: unknown) => ({ error: err instanceof Error ? err.message : String(err) });

/** Numbered broadcasts: "seq" (tag, room, n), n counting from 1 per room. */
const counters = new Map<string, number>();
let ticker: NodeJS.Timeout | undefined;
function startSeq(rooms: string[], everyMs: number): void {
  let next = 0;
  clearInterval(ticker);
  ticker = setInterval(() => {
    const room = rooms[next++ % rooms.length]!;
    const n = (counters.get(room) ?? 0) + 1;
    counters.set(room, n);
    io.to(room).emit("seq", tag, room, n);
  }, everyMs);
}
const stopSeq = () => {
  clearInterval(ticker);
  return Object.fromEntries(counters);
};

io.on("who", (ack: Ack) => ack(tag));
io.on("connection", (socket) => {
  socket.data = { node: tag };
  if (socket.handshake.auth.control !== true) {
    if (!socket.recovered) {
      const rooms: unknown = socket.handshake.auth.rooms;
      socket.join(["all", ...(Array.isArray(rooms) ? rooms.map(String) : [])]);
    }
    socket.emit("welcome", tag, socket.recovered === true);
    socket.on("echo", (data: unknown, ack: Ack) => ack({ node: tag, data }));
    return;
  }
  socket.on("ctl:broadcast", (id: string, ack: Ack) => {
    io.to("all").emit("bcast", id, tag);
    ack(tag);
  });
  socket.on("ctl:seq", (rooms: string[], everyMs: number, ack: Ack) => {
    startSeq(rooms, everyMs);
    ack(tag);
  });
  socket.on("ctl:seq-stop", (ack: Ack) => ack(stopSeq()));
  socket.on("ctl:fetch", async (ack: Ack) => {
    try {
      const sockets = await io.in("all").fetchSockets();
      const perNode: Record<string, number> = {};
      for (const s of sockets) {
        const node = (s.data as { node: string }).node;
        perNode[node] = (perNode[node] ?? 0) + 1;
      }
      ack({ count: sockets.length, perNode });
    } catch (err) {
      ack(failure(err));
    }
  });
  socket.on("ctl:who", async (ack: Ack) => {
    try {
      ack({ responses: await io.serverSideEmitWithAck("who") });
    } catch (err) {
      ack(failure(err));
    }
  });
  socket.on("ctl:count", async (ack: Ack) => {
    ack(
      await io
        .of("/")
        .adapter.serverCount()
        .catch(() => -1),
    );
  });
});

http.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ port: (http.address() as AddressInfo).port })}\n`);
});
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
// A deploy's stop: Switchboard drains (its clients reconnect elsewhere, with their state when
// recovery is on); Socket.IO closes its sockets, persisting their sessions, and the quit waits
// until Redis has them.
process.once("SIGTERM", async () => {
  stopSeq();
  if (process.env.KIND === "socket.io") await io.close();
  else await io.close({ drainTimeout: 10_000 });
  await pub.quit().catch(() => {});
  process.exit(0);
});
