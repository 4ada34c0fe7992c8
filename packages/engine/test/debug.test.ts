import assert from "node:assert/strict";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { once } from "node:events";
import { test } from "node:test";
import { runWithDebug } from "../../../test/support/debug-child.ts";
import { pollingHandshake, send, startEngine, url } from "./helpers.js";

test("diagnostics_channel switchboard:engine tells why a session closed and why a request was refused", async () => {
  const h = await startEngine();
  const events: Record<string, unknown>[] = [];
  const listener = (message: unknown) => events.push(message as Record<string, unknown>);
  subscribe("switchboard:engine", listener);
  try {
    const { sid, session } = await pollingHandshake(h);
    await send(h.port, "GET", url("EIO=4&transport=nope"));
    const closed = once(session, "close");
    await send(h.port, "POST", url(`EIO=4&transport=polling&sid=${sid}`), { body: "x" });
    await closed;
    assert.ok(events.some((e) => e.event === "handshake" && e.sid === sid));
    assert.ok(events.some((e) => e.event === "refused" && e.code === "SB_ERR_UNKNOWN_TRANSPORT"));
    assert.ok(
      events.some(
        (e) =>
          e.event === "session closed" &&
          e.sid === sid &&
          e.reason === "parse error" &&
          e.error === "SB_ERR_PARSE_ERROR",
      ),
    );
  } finally {
    unsubscribe("switchboard:engine", listener);
    await h.close();
  }
});

test("DEBUG=switchboard:engine prints the channel's events as text; other names print nothing", () => {
  const script = `
    import { createServer } from "node:http";
    import { Engine } from "@switchboard/engine";
    const engine = new Engine({});
    const server = createServer();
    engine.attach(server);
    server.listen(0, "127.0.0.1", async () => {
      const port = server.address().port;
      await fetch("http://127.0.0.1:" + port + "/engine.io/?EIO=4&transport=polling");
      engine.close();
      server.close();
    });
  `;
  const run = (DEBUG: string) => runWithDebug(script, DEBUG, import.meta.dirname);
  const on = run("switchboard:*");
  assert.equal(on.status, 0, on.stderr);
  assert.match(on.stderr, /^switchboard:engine handshake sid="[\w-]+" transport="polling"/m);
  const off = run("switchboard:server");
  assert.equal(off.status, 0, off.stderr);
  assert.equal(off.stderr, "");
});
