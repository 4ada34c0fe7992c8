/**
 * Type tests: `npx tsc -p tsconfig.json` fails if a typing regresses. Every `@ts-expect-error`
 * line must fail to compile; every other line must compile. At run time only a trivial check
 * runs (the function below is never called).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Engine } from "@switchboard/engine";
import {
  type DisconnectReason,
  type Namespace,
  type RemoteSocket,
  Server,
  type Socket,
} from "@switchboard/server";

interface ClientToServer {
  hello: (name: string, ack: (greeting: string) => void) => void;
  count: (n: number) => void;
}
interface ServerToClient {
  news: (title: string, body: { id: number }) => void;
  ask: (question: string, cb: (answer: number) => void) => void;
}
interface InterServer {
  sync: (version: number) => void;
}
interface Data {
  user: string;
}

type Io = Server<ClientToServer, ServerToClient, InterServer, Data>;

function typings(io: Io): void {
  io.on("connection", (socket) => {
    const typed: Socket<ClientToServer, ServerToClient, InterServer, Data> = socket;
    void typed;

    // -- listening
    socket.on("hello", (name, ack) => {
      const n: string = name;
      ack(`hi ${n}`);
      // @ts-expect-error the ack takes a string
      ack(1);
    });
    socket.on("count", (n) => {
      const x: number = n;
      void x;
    });
    // @ts-expect-error the listener's parameter type is wrong
    socket.on("count", (_n: string) => {});
    // @ts-expect-error an event the map does not declare
    socket.on("unknown", () => {});
    socket.on("disconnect", (reason) => {
      const r: DisconnectReason = reason;
      void r;
    });
    socket.on("disconnecting", (reason) => {
      // @ts-expect-error a DisconnectReason is not a number
      const r: number = reason;
      void r;
    });

    // -- emitting to one socket
    socket.emit("news", "title", { id: 1 });
    // @ts-expect-error a missing argument
    socket.emit("news", "title");
    // @ts-expect-error a wrong argument type
    socket.emit("news", "title", { id: "1" });
    // @ts-expect-error an event the map does not declare
    socket.emit("nope");
    socket.emit("ask", "q", (answer) => {
      const n: number = answer;
      void n;
    });
    socket.timeout(100).emit("ask", "q", (err, answer) => {
      const e: Error = err;
      const n: number = answer;
      void e;
      void n;
    });
    // @ts-expect-error with timeout() the callback takes the error first
    socket.timeout(100).emit("ask", "q", (_answer: number) => {});
    const one: Promise<number> = socket.emitWithAck("ask", "q");
    const oneWithTimeout: Promise<number> = socket.timeout(5).emitWithAck("ask", "q");
    // @ts-expect-error "news" takes no ack
    void socket.emitWithAck("news", "t", { id: 1 });
    void one;
    void oneWithTimeout;

    // -- broadcasting
    socket.to("room").emit("news", "t", { id: 2 });
    socket.broadcast.except("x").volatile.emit("news", "t", { id: 3 });
    // @ts-expect-error a wrong argument type in a broadcast
    io.to("room").emit("news", 1, { id: 2 });
    io.to("room")
      .timeout(100)
      .emit("ask", "q", (err, answers) => {
        const e: Error = err;
        const a: number[] = answers;
        void e;
        void a;
      });
    const all: Promise<number[]> = io.timeout(100).emitWithAck("ask", "q");
    void all;

    // -- data
    const d: Data = socket.data;
    void d;
    // @ts-expect-error data is typed
    socket.data = { user: 1 };
  });

  // -- server-side events
  io.serverSideEmit("sync", 1);
  // @ts-expect-error a wrong argument type
  io.serverSideEmit("sync", "1");
  io.on("sync", (version) => {
    const v: number = version;
    void v;
  });
  // @ts-expect-error server-side emits may not use a namespace's reserved names
  io.serverSideEmit("connection");

  // -- the adapter: its room events and io.adapter()
  io.of("/").adapter.on("join-room", (room, id) => {
    const r: string = room;
    const i: string = id;
    void [r, i];
  });
  io.of("/").adapter.on("delete-room", (room) => void room.length);
  // @ts-expect-error "create-room" gives a room name, not a number
  io.of("/").adapter.on("create-room", (room: number) => void room);
  // @ts-expect-error adapters emit no such event
  io.of("/").adapter.on("rooms-changed", () => {});
  io.on("error", (err) => void err.message);
  const chained: Io = io.adapter(io.adapter());
  void chained;

  // -- namespaces and fetchSockets
  const admin: Namespace<ClientToServer, ServerToClient, InterServer, Data> = io.of("/admin");
  admin.use((socket, next) => {
    const user: string = socket.data.user;
    void user;
    next(new Error("no"));
  });
  void io.fetchSockets().then((sockets) => {
    const first = sockets[0];
    if (!first) return;
    const remote: RemoteSocket<never, Data> | undefined = undefined;
    void remote;
    const data: Data = first.data;
    void data;
    first.emit("news", "t", { id: 3 });
    // @ts-expect-error a wrong argument type for a fetched socket
    first.emit("news", 1, { id: 3 });
  });

  // -- the engine is the real one, with its own typed events
  io.engine.on("connection_error", (err) => {
    const message: string = err.message;
    void message;
  });
  const count: number = io.engine.clientsCount;
  void count;
  new Server().bind(new Engine());

  // -- untyped servers accept anything
  const untyped = new Server();
  untyped.on("connection", (socket) => {
    socket.emit("anything", 1, "two", { three: 3 });
    socket.data.user = "untyped data is any, as in Socket.IO";
    socket.on("whatever", (...args: unknown[]) => void args);
    void socket.emitWithAck("anything").then((x: string) => x);
    untyped.to("r").emit("x", 1);
  });
}

test("the typings compile (checked by tsc); this file loads", () => {
  assert.equal(typeof typings, "function");
});
