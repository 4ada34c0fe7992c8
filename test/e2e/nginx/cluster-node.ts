/**
 * One node of the 3-process cluster tests, in its own Node process: a Switchboard server
 * (KIND=switchboard, session ids tagged TAG) or a Socket.IO 4.8 server (KIND=socket.io) on
 * 127.0.0.1 (PORT, or a free port), with its Redis adapter (ours or @socket.io/redis-adapter)
 * on REDIS_URL. Prints `{"port":N}` once it listens; exits when its stdin closes.
 *
 * Every client socket joins "all" and gets "welcome" with the tag. Control sockets (auth
 * `{ control: true }`, connected straight to the node) drive the cluster from this node:
 * "ctl:broadcast" (room "all"), "ctl:fetch", "ctl:who" (serverSideEmit with acks),
 * "ctl:count" (serverCount), each answered through its ack.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdapter as officialAdapter } from "@socket.io/redis-adapter";
import { createAdapter } from "@switchboard/redis-adapter";
import { Server } from "@switchboard/server";
import { Redis } from "ioredis";
import { Server as SocketIOServer } from "socket.io";

const tag = process.env.TAG ?? "n?";
const url = process.env.REDIS_URL;
if (!url) throw new Error("REDIS_URL is not set");
const pub = new Redis(url);
const sub = pub.duplicate();
pub.on("error", () => {});
sub.on("error", () => {});

const http = createServer();
const io =
  process.env.KIND === "socket.io"
    ? (new SocketIOServer(http, { adapter: officialAdapter(pub, sub) }) as unknown as Server)
    : new Server(http, { nodeTag: tag, adapter: createAdapter(pub, sub) });

type Ack = (value: unknown) => void;
const failure = (err: unknown) => ({ error: err instanceof Error ? err.message : String(err) });

io.on("who", (ack: Ack) => ack(tag));
io.on("connection", (socket) => {
  socket.data = { node: tag };
  if (socket.handshake.auth.control !== true) {
    socket.join("all");
    socket.emit("welcome", tag);
    socket.on("echo", (data: unknown, ack: Ack) => ack({ node: tag, data }));
    return;
  }
  socket.on("ctl:broadcast", (id: string, ack: Ack) => {
    io.to("all").emit("bcast", id, tag);
    ack(tag);
  });
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
