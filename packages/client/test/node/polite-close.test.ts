/**
 * A polite disconnect over an HTTP transport reaches the server as one, even when the server is
 * slow to read the POST that carries it: the poll (or stream) stays open until that POST is
 * answered, within a bound (CLOSE_GRACE), so the server never sees the down channel end first
 * and closes the session as "transport close". The soak saw that under load with a 1 s bound
 * (these tests failed with it: the server took 1.5 s to read each POST).
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { after, before, describe, test } from "node:test";
import { io } from "@switchboard/client";
import type { Socket as ServerSocket } from "@switchboard/server";
import { type ProjectServer, startProjectServer } from "../helpers.ts";

describe("a polite disconnect while the server is slow to read POSTs", { timeout: 30_000 }, () => {
  let project: ProjectServer;
  let server: ProjectServer["server"];
  let url = "";
  let slowPosts = false;
  before(async () => {
    project = await startProjectServer();
    ({ server, url } = project);
    // Once set, every POST waits 1.5 s before the engine reads it (a loaded node).
    server.engine.use((req, _res, next) => {
      if (slowPosts && req.method === "POST") setTimeout(next, 1500);
      else next();
    });
  });
  after(() => project.close());

  for (const transport of ["polling", "sse"] as const) {
    test(`${transport}: the server sees "client namespace disconnect"`, async () => {
      const connected = once(server, "connection") as Promise<[ServerSocket]>;
      const socket = io(url, { forceNew: true, transports: [transport], reconnection: false });
      const connect = new Promise<void>((resolve) => socket.on("connect", () => resolve()));
      const [[peer]] = await Promise.all([connected, connect]);
      const reason = new Promise<string>((resolve) => peer.on("disconnect", resolve));
      slowPosts = true;
      try {
        // A POST in flight when the socket disconnects: its "41" then goes with the close packet
        // in the next POST, the one the down channel must outlive.
        socket.emit("last words");
        socket.disconnect();
        assert.equal(await reason, "client namespace disconnect");
      } finally {
        slowPosts = false;
      }
    });
  }
});
