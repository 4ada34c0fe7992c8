/**
 * A server slow to answer handshakes (a loaded node) is not a failed transport on the last rung
 * of the ladder: `transportTimeout` moves the ladder on from a rung that has a next one, while
 * the last one waits for the connect `timeout`, as socket.io-client's transports do. Before,
 * the last rung failed after `transportTimeout` too, and the connect ended with "no transport
 * could connect" while the server was about to answer.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { io } from "@switchboard/client";
import { type ProjectServer, startProjectServer } from "../helpers.ts";

describe("a slow handshake", { timeout: 30_000 }, () => {
  let project: ProjectServer;
  let url = "";
  before(async () => {
    // Every handshake is answered after 400 ms, four times the clients' transportTimeout.
    project = await startProjectServer({
      allowRequest: (_req, cb) => setTimeout(() => cb(null, true), 400),
    });
    project.server.on("connection", (s) => s.emit("welcome"));
    url = project.url;
  });
  after(() => project.close());

  test("the last rung waits for the connect timeout, not transportTimeout", async () => {
    const socket = io(url, {
      forceNew: true,
      transports: ["polling"],
      transportTimeout: 100,
      reconnection: false,
    });
    const outcome = await new Promise<string>((resolve) => {
      socket.on("welcome", () => resolve("welcome"));
      socket.on("connect_error", (e: Error) => resolve(`connect_error: ${e.message}`));
    });
    assert.equal(outcome, "welcome");
    assert.equal(socket.io.engine?.transport?.name, "polling");
    socket.disconnect();
  });

  test("a rung with a next one still gives up after transportTimeout; the connect timeout ends the last", async () => {
    const socket = io(url, {
      forceNew: true,
      transports: ["sse", "polling"],
      transportTimeout: 100,
      timeout: 250,
      reconnection: false,
    });
    const error = await new Promise<Error & { data?: unknown }>((resolve) =>
      socket.on("connect_error", resolve),
    );
    // sse gave up at 100 ms, polling waited until the connect timeout at 250 ms.
    assert.equal(error.message, "timeout");
    socket.disconnect();
  });
});
