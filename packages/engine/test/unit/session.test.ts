/**
 * A real session on a real polling transport, over loopback: what the server sees of it
 * (`writable`, `bufferedAmount`, "drain") follows the transport's state, as no stand-in would.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { afterEach, beforeEach, test } from "node:test";
import { type Harness, pollingHandshake, send, startEngine, url } from "../helpers.js";

let h: Harness;
beforeEach(async () => {
  h = await startEngine();
});
afterEach(() => h.close());

/** Sends a poll; resolves once the engine holds it (its request listener has run). */
function poll(sid: string) {
  const held = once(h.server, "request");
  const answer = send(h.port, "GET", url(`EIO=4&transport=polling&sid=${sid}`));
  return { held, answer };
}

test("writable: false until a poll waits, true while one does, false once it is answered", async () => {
  const { sid, session } = await pollingHandshake(h);
  assert.equal(session.writable, false, "the handshake's answer took the only poll");
  const { held, answer } = poll(sid);
  await held;
  assert.equal(session.writable, true);
  assert.equal(session.bufferedAmount, 0);
  const drained = once(session, "drain");
  session.send("hello");
  assert.equal(session.bufferedAmount, 5, "queued until the end of the tick");
  await drained;
  assert.equal(session.writable, false);
  assert.equal(session.bufferedAmount, 0);
  assert.equal((await answer).text, "4hello");
});

test("a message sent while no poll waits stays queued until the next poll takes it", async () => {
  const { sid, session } = await pollingHandshake(h);
  session.send("a");
  session.send("bc");
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(session.bufferedAmount, 3);
  assert.equal((await poll(sid).answer).text, "4a\x1e4bc");
  assert.equal(session.bufferedAmount, 0);
});

test("once closed, a session is not writable and leaves the engine", async () => {
  const { sid, session } = await pollingHandshake(h);
  const { held, answer } = poll(sid);
  await held;
  session.close();
  assert.equal(session.state, "closed", "nothing to deliver: closed at once");
  assert.equal(session.writable, false);
  assert.equal(h.engine.sessions.has(sid), false);
  assert.equal((await answer).text, "1");
});
