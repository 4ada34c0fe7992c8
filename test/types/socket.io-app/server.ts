// A Socket.IO 4.8 server application, written against socket.io's public API. The type-level
// drop-in test compiles it against Switchboard's types (socket.io mapped to @switchboard/server).
import { createServer } from "node:http";
import { type DefaultEventsMap, type Namespace, Server, type Socket } from "socket.io";

interface ClientToServerEvents {
  hello: (name: string, ack: (greeting: string) => void) => void;
  upload: (data: Buffer) => void;
  chat: (room: string, text: string) => void;
}
interface ServerToClientEvents {
  news: (title: string, body: { id: number }) => void;
  ask: (question: string, cb: (answer: number) => void) => void;
  chat: (from: string, text: string) => void;
}
interface InterServerEvents {
  ping: (n: number) => void;
}
interface SocketData {
  user: string;
}

const httpServer = createServer();
const io = new Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>(
  httpServer,
  {
    path: "/socket.io/",
    serveClient: true,
    pingInterval: 25_000,
    pingTimeout: 20_000,
    maxHttpBufferSize: 1e6,
    connectTimeout: 45_000,
    transports: ["polling", "websocket"],
    cors: { origin: ["https://app.example"], credentials: true },
    connectionStateRecovery: { maxDisconnectionDuration: 120_000, skipMiddlewares: true },
    cleanupEmptyChildNamespaces: true,
  },
);

io.use((socket, next) => {
  const token: unknown = socket.handshake.auth.token;
  if (typeof token !== "string") return next(new Error("unauthorized"));
  socket.data.user = token;
  next();
});

io.engine.on("connection_error", (err) => {
  console.log(err.req.url, err.code, err.message, err.context);
});

io.of("/").adapter.on("join-room", (room, id) => {
  console.log(`socket ${id} joined ${room}`);
});
io.of("/").adapter.on("create-room", (room) => console.log(room));

io.on("connection", async (socket) => {
  console.log(socket.id, socket.recovered, socket.conn.transport.name, socket.handshake.address);
  socket.conn.once("upgrade", (transport) => {
    console.log("upgraded to", transport.name);
  });
  socket.join("lobby");
  await socket.join(["a", "b"]);
  socket.leave("a");
  socket.on("hello", (name, ack) => ack(`hello ${name}`));
  socket.on("upload", (data) => console.log(data.byteLength));
  socket.on("chat", (room, text) => {
    socket.to(room).emit("chat", socket.data.user, text);
  });
  socket.emit("news", "welcome", { id: 1 });
  socket.timeout(5000).emit("ask", "how many?", (err, answer) => {
    if (err) console.log("no answer in time");
    else console.log(answer.toFixed());
  });
  try {
    const answer = await socket.timeout(5000).emitWithAck("ask", "again?");
    console.log(answer + 1);
  } catch (err) {
    console.log((err as Error).message);
  }
  socket.onAny((event, ...args) => console.log(event, args));
  socket.use(([event], next) => (event === "forbidden" ? next(new Error("no")) : next()));
  socket.on("disconnect", (reason) => console.log(reason));
  socket.on("disconnecting", () => console.log(socket.rooms.size));
  io.to("lobby").except("b").emit("news", "room", { id: 2 });
  io.volatile.emit("news", "volatile", { id: 3 });
  const sockets = await io.in("lobby").fetchSockets();
  for (const remote of sockets) {
    remote.emit("news", "remote", { id: 4 });
    console.log(remote.id, remote.data.user, remote.rooms.size);
  }
  io.serverSideEmit("ping", 1);
  const responses = await io.timeout(1000).emitWithAck("ask", "everyone?");
  console.log(responses.length);
});

const admin: Namespace<ClientToServerEvents, ServerToClientEvents> = io.of("/admin");
admin.on("connection", (socket: Socket<ClientToServerEvents, ServerToClientEvents>) => {
  socket.disconnect(true);
});
io.of(/^\/dyn-\d+$/).on("connection", (socket) => console.log(socket.nsp.name));

// An untyped server, as most applications start.
const plain = new Server<DefaultEventsMap, DefaultEventsMap>();
plain.on("connection", async (socket) => {
  const reply = await socket.emitWithAck("x");
  console.log(reply.anything.goes);
  socket.on("any", (a, b) => console.log(a.b, b));
});

httpServer.listen(3000);
void io.close();
