/**
 * Upgrading a polling session to sse (this project's own): offered only to a client that names
 * sse in the handshake's `upgrades` parameter; the stream's GET starts the attempt, its POSTs
 * carry `2probe` and `5`, `3probe` comes down the stream, and a poll waiting meanwhile is
 * released with a noop.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { after, before, describe, test } from "node:test";
import type { Session } from "../src/index.js";
import { type Harness, send, startEngine, url } from "./helpers.js";
import { RawStream, sseEvents } from "./stream-helpers.js";

async function handshake(h: Harness, query: string) {
  const connected = once(h.engine, "connection") as Promise<[Session]>;
  const res = await send(h.port, "GET", url(`EIO=4&transport=polling${query}`));
  assert.equal(res.status, 200, res.text);
  const open = JSON.parse(res.text.slice(1)) as { sid: string; upgrades: string[] };
  const [session] = await connected;
  return { open, session, sid: open.sid };
}

describe("upgrade from polling to sse", () => {
  let h: Harness;
  before(async () => {
    h = await startEngine({ upgradeTimeout: 300 });
  });
  after(() => h.close());

  test("a plain Engine.IO client is offered websocket only", async () => {
    const { open, session } = await handshake(h, "");
    assert.deepEqual(open.upgrades, ["websocket"]);
    session.close();
  });

  test("a client that names sse is offered it after websocket", async () => {
    const { open, session } = await handshake(h, "&upgrades=websocket,sse,jsonp");
    assert.deepEqual(open.upgrades, ["websocket", "sse"]);
    session.close();
  });

  test("probe on the stream, noop to the waiting poll, then the session moves to sse", async () => {
    const { session, sid } = await handshake(h, "&upgrades=sse");
    const events: string[] = [];
    session.on("upgrading", (t) => events.push(`upgrading ${t.name}`));
    session.on("upgrade", (t) => events.push(`upgrade ${t.name}`));
    const received: string[] = [];
    session.on("message", (m) => received.push(String(m)));
    const poll = send(h.port, "GET", url(`EIO=4&transport=polling&sid=${sid}`));
    const stream = await RawStream.open(h.port, url(`EIO=4&transport=sse&sid=${sid}`));
    assert.equal(stream.status, 200);
    const probe = await send(h.port, "POST", url(`EIO=4&transport=sse&sid=${sid}`), {
      body: "2probe",
    });
    assert.equal(probe.text, "ok");
    await stream.until((t) => sseEvents(t).includes("3probe"));
    assert.equal((await poll).text, "6", "the waiting poll is released with a noop");
    // While the probe waits for `5`, the session holds its writes.
    session.send("held");
    const upgraded = once(session, "upgrade");
    const done = await send(h.port, "POST", url(`EIO=4&transport=sse&sid=${sid}`), {
      body: "5\x1e4after",
    });
    assert.equal(done.text, "ok");
    await upgraded;
    assert.equal(session.transport.name, "sse");
    await stream.until((t) => sseEvents(t).includes("4held"));
    assert.deepEqual(sseEvents(stream.text), ["3probe", "4held"]);
    assert.deepEqual(events, ["upgrading sse", "upgrade sse"]);
    assert.deepEqual(received, ["after"]);
    // The old transport is gone: a poll now is refused.
    const late = await send(h.port, "GET", url(`EIO=4&transport=polling&sid=${sid}`));
    assert.equal(late.status, 400);
    session.close();
    await stream.ended;
  });

  test("a probe stream that never gets `2probe` times out; the session stays on polling", async () => {
    const { session, sid } = await handshake(h, "&upgrades=sse");
    const stream = await RawStream.open(h.port, url(`EIO=4&transport=sse&sid=${sid}`));
    await stream.ended; // upgradeTimeout closes it
    assert.equal(session.transport.name, "polling");
    assert.equal(session.state, "open");
    session.send("still here");
    const poll = await send(h.port, "GET", url(`EIO=4&transport=polling&sid=${sid}`));
    assert.equal(poll.text, "4still here");
    session.close();
  });

  test("a POST on sse with no stream opened for the session is refused", async () => {
    const { session, sid } = await handshake(h, "&upgrades=sse");
    const res = await send(h.port, "POST", url(`EIO=4&transport=sse&sid=${sid}`), {
      body: "2probe",
    });
    assert.equal(res.status, 400);
    assert.equal(session.transport.name, "polling");
    session.close();
  });
});
