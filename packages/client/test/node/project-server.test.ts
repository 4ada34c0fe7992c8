/**
 * The client against this project's own server (@switchboard/server on @switchboard/engine), in
 * Node: every Node transport, polling and sse upgraded to websocket, and the default ladder.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { type ClientOptions, io } from "@switchboard/client";
import { Server } from "@switchboard/server";
import { next } from "../helpers.ts";

describe("this project's server", () => {
  const http = createServer();
  const server = new Server(http, {});
  let url = "";
  before(async () => {
    server.on("connection", (s) => {
      s.on("echo", (...args: unknown[]) => (args.pop() as (...a: unknown[]) => void)(...args));
      s.on("ask", async () => s.emit("answer", await s.emitWithAck("question", 1)));
    });
    http.listen(0, "127.0.0.1");
    await once(http, "listening");
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  after(async () => {
    await server.close();
    http.closeAllConnections();
  });

  const modes: [string, ClientOptions["transports"], string][] = [
    ["websocket", ["websocket"], "websocket"],
    ["polling", ["polling"], "polling"],
    ["sse", ["sse"], "sse"],
    ["polling upgraded", ["polling", "websocket"], "websocket"],
    ["sse upgraded", ["sse", "websocket"], "websocket"],
    ["default ladder", undefined, "websocket"],
  ];
  for (const [name, transports, expected] of modes) {
    test(`${name}: events, binary and acks both ways`, async () => {
      const socket = io(url, { forceNew: true, ...(transports ? { transports } : {}) });
      await next(socket, "connect");
      if (expected === "websocket" && socket.io.engine?.transport?.name !== "websocket") {
        await next(socket.io.engine!, "upgrade");
      }
      assert.equal(socket.io.engine?.transport?.name, expected);
      const echoed = (await socket.emitWithAck("echo", { bin: Buffer.from([1, 2, 3]) })) as {
        bin: Buffer;
      };
      assert.deepEqual([...echoed.bin], [1, 2, 3]);
      socket.on("question", (n: number, ack: (v: number) => void) => ack(n + 41));
      const answer = next(socket, "answer");
      socket.emit("ask");
      assert.deepEqual(await answer, [42]);
      socket.disconnect();
    });
  }
});
