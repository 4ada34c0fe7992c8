import assert from "node:assert/strict";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { once } from "node:events";
import { test } from "node:test";
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
