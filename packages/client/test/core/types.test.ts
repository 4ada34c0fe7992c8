/**
 * Typed event maps, checked by the type checker (`npx tsc -p tsconfig.json`): each
 * `@ts-expect-error` line must be an error, every other line must compile.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { type DisconnectReason, io, type Socket } from "@switchboard/client";

interface ServerToClient {
  news: (title: string, count: number) => void;
}
interface ClientToServer {
  hello: (name: string, ack: (ok: boolean) => void) => void;
  ping: () => void;
}

test("typed event maps constrain on() and emit()", () => {
  const socket: Socket<ServerToClient, ClientToServer> = io<ServerToClient, ClientToServer>(
    "http://127.0.0.1:1/typed",
    { autoConnect: false, forceNew: true },
  );
  socket.on("news", (title, count) => {
    const t: string = title;
    const c: number = count;
    void [t, c];
  });
  socket.on("disconnect", (reason) => {
    const r: DisconnectReason = reason;
    void r;
  });
  socket.emit("hello", "ada", (ok) => {
    const b: boolean = ok;
    void b;
  });
  socket.emit("ping");
  // @ts-expect-error an argument of the wrong type
  socket.emit("hello", 42, () => {});
  // @ts-expect-error an event the map does not have
  socket.emit("nope");
  // @ts-expect-error a listener whose parameters do not match
  socket.on("news", (title: number) => void title);
  assert.equal(socket.sendBuffer.length, 4, "emits while disconnected wait in the buffer");
  assert.throws(() => (socket.emit as (e: string) => void)("connect"), {
    code: "SB_ERR_RESERVED_EVENT",
  });
  socket.io.disconnect();
});
