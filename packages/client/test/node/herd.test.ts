/**
 * 200 clients dropped at once by a real server do not come back in lockstep: the reconnection
 * delays their Managers schedule (read from the debug log, not measured with a clock) spread
 * over the whole jitter window, and every client reconnects.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { io, type Socket, setDebugSink } from "@switchboard/client";
import { next, startServer } from "../helpers.ts";

test("200 clients dropped together schedule spread-out reconnections and all come back", async () => {
  const server = await startServer();
  const count = 200;
  const options = { forceNew: true, transports: ["websocket" as const], reconnectionDelay: 200 };
  const sockets: Socket[] = [];
  for (let i = 0; i < count; i++) sockets.push(io(server.url, options));
  await Promise.all(sockets.map((s) => next(s, "connect")));

  const delays: number[] = [];
  setDebugSink((namespace, ...args) => {
    if (namespace === "switchboard:manager" && args[0] === "reconnecting in") {
      delays.push(args[1] as number);
    }
  });
  try {
    const back = Promise.all(sockets.flatMap((s) => [next(s.io, "reconnect"), next(s, "connect")]));
    // Drop every connection at once, as a server restart or a load balancer would.
    for (const s of server.io.sockets.sockets.values()) s.conn.close();
    await back;
    setDebugSink(undefined);

    assert.equal(delays.length, count);
    // First attempt: 200 ms × (1 − 0.5 × random) lies in (100, 200].
    for (const d of delays) assert.ok(d > 99 && d <= 200, `${d} outside the window`);
    assert.ok(new Set(delays).size > 50, `only ${new Set(delays).size} distinct delays`);
    const tenths = new Set(delays.map((d) => Math.min(9, Math.floor((d - 100) / 10))));
    assert.equal(tenths.size, 10, "every tenth of the window is used");
    assert.ok(sockets.every((s) => s.connected));
  } finally {
    // Also when an assertion failed: 200 live sockets would keep the test process alive.
    setDebugSink(undefined);
    for (const s of sockets) s.disconnect();
    await server.close();
  }
});
