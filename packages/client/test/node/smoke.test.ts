import assert from "node:assert/strict";
import { test } from "node:test";
import { io } from "@switchboard/client";
import { next, startServer } from "../helpers.ts";

test("smoke: connects over websocket and echoes", async () => {
  const server = await startServer();
  server.io.on("connection", (s) => s.on("echo", (v, cb) => cb(v)));
  const socket = io(server.url, { forceNew: true });
  await next(socket, "connect");
  assert.equal(socket.io.engine?.transport?.name, "websocket");
  const answer = await socket.emitWithAck("echo", { a: 1 });
  assert.deepEqual(answer, { a: 1 });
  socket.disconnect();
  await server.close();
});
