// A socket.io-client 4.8 application, written against socket.io-client's public API. The
// type-level drop-in test compiles it against Switchboard's types (mapped to @switchboard/client).
import { io, Manager, type Socket } from "socket.io-client";

interface ServerToClientEvents {
  news: (title: string, body: { id: number }) => void;
}
interface ClientToServerEvents {
  hello: (name: string, ack: (greeting: string) => void) => void;
}

const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io("https://example.com", {
  transports: ["websocket", "polling"],
  reconnectionAttempts: 5,
  reconnectionDelay: 1000,
  timeout: 20_000,
  auth: { token: "abc" },
  query: { room: "1" },
  withCredentials: true,
  ackTimeout: 10_000,
  retries: 3,
});

socket.on("connect", () => {
  console.log(socket.id, socket.connected, socket.recovered);
  console.log(socket.io.engine.transport.name);
  socket.io.engine.once("upgrade", (transport) => console.log(transport.name));
});
socket.on("connect_error", (err) => console.log(err.message));
socket.on("disconnect", (reason, details) => console.log(reason, details));
socket.on("news", (title, body) => console.log(title, body.id));
socket.emit("hello", "me", (greeting) => console.log(greeting.toUpperCase()));
socket.io.on("reconnect_attempt", (attempt) => console.log(attempt));
socket.io.on("reconnect", (attempt) => console.log(attempt));

async function untyped(): Promise<void> {
  const plain = io();
  const reply = await plain.emitWithAck("x");
  console.log(reply.anything.goes);
  const timed = await plain.timeout(1000).emitWithAck("y", 1);
  console.log(timed.length);
  plain.onAny((event, ...args) => console.log(event, args));
}
void untyped();

const manager = new Manager("https://example.com", { reconnection: false });
const admin = manager.socket("/admin", { auth: { token: "x" } });
admin.connect();
admin.disconnect();
