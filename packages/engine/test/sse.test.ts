import assert from "node:assert/strict";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { once } from "node:events";
import { after, before, describe, test } from "node:test";
import type { Session, SessionCloseReason } from "../src/index.js";
import { type Harness, Peer, send, startEngine, url } from "./helpers.js";
import { RawStream, sseDecoded, sseEvents } from "./stream-helpers.js";

/** Resolves when the engine publishes a debug event named `name`. */
function traced(name: string): Promise<void> {
  return new Promise((resolve) => {
    const listener = (message: unknown) => {
      if ((message as { event?: string }).event !== name) return;
      unsubscribe("switchboard:engine", listener);
      resolve();
    };
    subscribe("switchboard:engine", listener);
  });
}

/** Opens an SSE session: the stream, its parsed open packet and the session. */
async function sseHandshake(h: Harness, headers: Record<string, string> = {}) {
  const connected = once(h.engine, "connection") as Promise<[Session]>;
  const stream = await RawStream.open(h.port, url("EIO=4&transport=sse"), headers);
  await stream.until((t) => sseEvents(t).length > 0);
  const first = sseEvents(stream.text)[0]!;
  const open = JSON.parse(first.slice(1)) as Record<string, unknown>;
  const [session] = await connected;
  return { stream, open, sid: open.sid as string, session, first };
}

describe("sse", () => {
  let h: Harness;
  before(async () => {
    h = await startEngine({ maxHttpBufferSize: 100, streamHeartbeat: 20 });
  });
  after(() => h.close());

  test("the handshake answers an event stream whose first event is the open packet", async () => {
    const { stream, open, session, first } = await sseHandshake(h);
    assert.equal(stream.status, 200);
    assert.match(String(stream.headers["content-type"]), /^text\/event-stream/);
    assert.equal(stream.headers["cache-control"], "no-cache, no-transform");
    assert.equal(stream.headers["x-accel-buffering"], "no");
    assert.equal(stream.headers["x-content-type-options"], "nosniff");
    assert.equal(first[0], "0");
    assert.deepEqual(open.upgrades, ["websocket"]);
    assert.equal(session.transport.name, "sse");
    assert.equal(session.state, "open");
    assert.ok(stream.text.startsWith(`data: ${first}\n\n`), "the open packet comes first");
    session.close();
    await stream.ended;
  });

  test("packets go down one event each (multi-line split, binary as b + base64), in order", async () => {
    const { stream, session } = await sseHandshake(h);
    session
      .send("a")
      .send("line 1\nline 2")
      .send(Buffer.from([1, 2, 3]));
    for (let i = 0; i < 50; i++) session.send(`m${i}`);
    await stream.until((t) => t.includes("data: 4m49\n\n"));
    assert.ok(
      stream.text.includes("data: 4a\n\ndata: 4line 1\ndata: line 2\n\ndata: bAQID\n\n"),
      stream.text,
    );
    const events = sseEvents(stream.text).slice(1);
    assert.deepEqual(events, [
      "4a",
      "4line 1\nline 2",
      "bAQID",
      ...Array.from({ length: 50 }, (_, i) => `4m${i}`),
    ]);
    session.close();
    await stream.ended;
  });

  test("a message with CR goes as a j event (its JSON string); others are unchanged", async () => {
    const { stream, session } = await sseHandshake(h);
    session.send("a\rb\r\nc\nd").send("plain\nlines").send("x");
    await stream.until((t) => t.includes("data: 4x\n\n"));
    const wire = stream.text.slice(stream.text.indexOf("\n\n") + 2);
    assert.equal(
      wire,
      'event: j\ndata: "4a\\rb\\r\\nc\\nd"\n\ndata: 4plain\ndata: lines\n\ndata: 4x\n\n',
    );
    assert.deepEqual(sseDecoded(stream.text).slice(1), ["4a\rb\r\nc\nd", "4plain\nlines", "4x"]);
    session.close();
    await stream.ended;
  });

  test("POSTs carry polling payloads up and are answered ok", async () => {
    const { stream, sid, session } = await sseHandshake(h);
    const got: (string | Buffer)[] = [];
    session.on("message", (m) => got.push(m));
    const res = await send(h.port, "POST", url(`EIO=4&transport=sse&sid=${sid}`), {
      body: "4hello\x1ebAQID",
    });
    assert.equal(res.status, 200);
    assert.equal(res.text, "ok");
    assert.deepEqual(got, ["hello", Buffer.from([1, 2, 3])]);
    session.close();
    await stream.ended;
  });

  test("a POST over maxHttpBufferSize gets 413 and closes the session", async () => {
    const { stream, sid, session } = await sseHandshake(h);
    const closed = once(session, "close") as Promise<[SessionCloseReason, { code?: string }]>;
    const res = await send(h.port, "POST", url(`EIO=4&transport=sse&sid=${sid}`), {
      body: `4${"x".repeat(200)}`,
    });
    assert.equal(res.status, 413);
    const [reason, description] = await closed;
    assert.equal(reason, "transport error");
    assert.equal(description.code, "SB_ERR_PAYLOAD_TOO_LARGE");
    await stream.ended;
  });

  test("a second concurrent stream for one sid is refused; the first goes on", async () => {
    const { stream, sid, session } = await sseHandshake(h);
    const second = await send(h.port, "GET", url(`EIO=4&transport=sse&sid=${sid}`));
    assert.equal(second.status, 400);
    assert.deepEqual(JSON.parse(second.text), { code: 3, message: "Bad request" });
    assert.equal(session.state, "open");
    session.send("still here");
    await stream.until((t) => t.includes("data: 4still here\n\n"));
    session.close();
    await stream.ended;
  });

  test("backpressure: a peer that stops reading makes the session unwritable until drain", async () => {
    const { stream, session } = await sseHandshake(h);
    stream.pause(true);
    const chunk = "x".repeat(65536);
    let sent = 0;
    for (; sent < 2000 && session.writable; sent++) {
      session.send(chunk);
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.equal(session.writable, false, "the socket backed up");
    session.send("last");
    assert.ok(session.bufferedAmount > 0, "queued while the stream cannot take it");
    const drained = once(session, "drain");
    stream.pause(false);
    await drained;
    await stream.until((t) => t.includes("data: 4last\n\n"));
    const events = sseEvents(stream.text).slice(1);
    assert.equal(events.length, sent + 1, "every message arrived, in order");
    assert.equal(events.at(-1), "4last");
    session.close();
    await stream.ended;
  });

  test("an idle stream gets comment lines as keep-alives", async () => {
    const { stream, session } = await sseHandshake(h);
    await stream.until((t) => t.includes("\n:\n\n"));
    assert.equal(session.state, "open");
    session.close();
    await stream.ended;
  });

  test("close: the close packet is the last event, then the stream ends", async () => {
    const { stream, session } = await sseHandshake(h);
    const closed = once(session, "close");
    session.send("bye");
    session.close();
    await stream.ended;
    assert.deepEqual(sseEvents(stream.text).slice(1), ["4bye", "1"]);
    assert.equal((await closed)[0], "forced close");
  });

  test("the client dropping the stream closes the session (transport close)", async () => {
    const { stream, sid, session } = await sseHandshake(h);
    const closed = once(session, "close");
    stream.destroy();
    assert.equal((await closed)[0], "transport close");
    assert.equal(h.engine.sessions.has(sid), false);
  });

  test("a foreign Origin is refused (EventSource sends it cross-origin)", async () => {
    const res = await send(h.port, "GET", url("EIO=4&transport=sse"), {
      headers: { Origin: "https://evil.example" },
    });
    assert.equal(res.status, 403);
    assert.deepEqual(JSON.parse(res.text), { code: 4, message: "Forbidden" });
  });

  test("upgrade to WebSocket: 3probe, noops on the stream, then the stream ends", async () => {
    const { stream, sid, session } = await sseHandshake(h);
    const upgraded = once(session, "upgrade");
    const peer = new Peer(h.port, `EIO=4&transport=websocket&sid=${sid}`, {
      Origin: h.origin,
    });
    await peer.opened;
    peer.send("2probe");
    assert.equal(await peer.next(), "3probe");
    // The noop is repeated until "5": a client may read it before it reads 3probe.
    await stream.until((t) => sseEvents(t).filter((e) => e === "6").length >= 2);
    session.send("queued during the upgrade");
    peer.send("5");
    await upgraded;
    await stream.ended;
    assert.equal(session.transport.name, "websocket");
    assert.ok(!sseEvents(stream.text).includes("4queued during the upgrade"));
    assert.ok(!sseEvents(stream.text).includes("1"), "no close packet on the old stream");
    assert.equal(await peer.next(), "4queued during the upgrade");
    session.close();
    await peer.closed;
  });
});

// Bounded: a wait that is never satisfied fails the test instead of hanging the run.
describe("sse upgrade races", { timeout: 60_000 }, () => {
  let h: Harness;
  let patient: Harness;
  before(async () => {
    h = await startEngine({ upgradeTimeout: 200 });
    // An upgrade that must complete: a loaded machine may take longer than 200 ms to send "5".
    patient = await startEngine({});
  });
  after(async () => {
    await h.close();
    await patient.close();
  });

  test("the client closing the stream after 3probe, before 5 arrives, does not end the session", async () => {
    const h = patient;
    const { stream, sid, session } = await sseHandshake(h);
    const peer = new Peer(h.port, `EIO=4&transport=websocket&sid=${sid}`);
    await peer.opened;
    peer.send("2probe");
    assert.equal(await peer.next(), "3probe");
    await stream.until((t) => sseEvents(t).includes("6"));
    const gone = traced("stream closed by peer");
    stream.destroy();
    await gone;
    assert.equal(session.state, "open");
    const upgraded = once(session, "upgrade");
    peer.send("5");
    await upgraded;
    assert.equal(session.state, "open");
    session.send("on ws");
    assert.equal(await peer.next(), "4on ws");
    session.close();
    await peer.closed;
  });

  test("...and if the upgrade then fails, the session closes (transport close)", async () => {
    const { stream, sid, session } = await sseHandshake(h);
    const closed = once(session, "close");
    const peer = new Peer(h.port, `EIO=4&transport=websocket&sid=${sid}`);
    await peer.opened;
    peer.send("2probe");
    assert.equal(await peer.next(), "3probe");
    stream.destroy();
    assert.equal((await closed)[0], "transport close");
    await peer.closed;
  });
});

describe("sse close races", { timeout: 60_000 }, () => {
  test("a POST on its way when the client closed the paused stream is still delivered", async () => {
    const h = await startEngine({});
    try {
      const { stream, sid, session } = await sseHandshake(h);
      const messages: unknown[] = [];
      session.on("message", (m) => messages.push(m));
      const peer = new Peer(h.port, `EIO=4&transport=websocket&sid=${sid}`);
      await peer.opened;
      peer.send("2probe");
      assert.equal(await peer.next(), "3probe");
      const gone = traced("stream closed by peer");
      stream.destroy();
      await gone;
      const res = await send(h.port, "POST", url(`EIO=4&transport=sse&sid=${sid}`), {
        body: "4sent before the pause",
      });
      assert.equal(res.text, "ok");
      assert.deepEqual(messages, ["sent before the pause"]);
      const upgraded = once(session, "upgrade");
      peer.send("5");
      await upgraded;
      session.close();
      await peer.closed;
    } finally {
      await h.close();
    }
  });

  test("a closing session whose peer stopped reading ends within the close bound; the stream is cut", async () => {
    const h = await startEngine({ pingInterval: 20, pingTimeout: 20, streamHeartbeat: false });
    try {
      const a = await sseHandshake(h);
      a.stream.pause(true);
      const chunk = "x".repeat(65536);
      for (let sent = 0; sent < 2000 && a.session.writable; sent++) {
        a.session.send(chunk);
        await new Promise((resolve) => setImmediate(resolve));
      }
      assert.equal(a.session.writable, false, "the socket backed up");
      a.session.send("queued behind");
      const b = await sseHandshake(h);
      b.stream.pause(true);
      a.session.close();
      // b is closed by the same bound, later: it cannot close before a has.
      const bClosed = once(b.session, "close");
      b.session.send(chunk.repeat(64));
      await new Promise((resolve) => setImmediate(resolve));
      b.session.close();
      await bClosed;
      assert.equal(a.session.state, "closed");
      // The stream was cut, not ended: reading again finds the connection closed.
      a.stream.pause(false);
      await a.stream.ended;
      assert.ok(!a.stream.text.includes("queued behind"));
    } finally {
      await h.close();
    }
  });
});

describe("sse heartbeat", () => {
  let h: Harness;
  before(async () => {
    h = await startEngine({ pingInterval: 30, pingTimeout: 30, streamHeartbeat: false });
  });
  after(() => h.close());

  test("pings flow on the stream, pongs come back in POSTs, a missing pong closes the session", async () => {
    const { stream, sid, session } = await sseHandshake(h);
    await stream.until((t) => sseEvents(t).includes("2"));
    const beat = once(session, "heartbeat");
    await send(h.port, "POST", url(`EIO=4&transport=sse&sid=${sid}`), { body: "3" });
    await beat;
    const closed = once(session, "close");
    assert.equal((await closed)[0], "ping timeout");
    await stream.ended;
    assert.equal(sseEvents(stream.text).at(-1), "1");
    assert.ok(!stream.text.includes(":\n\n"), "no keep-alive comment when disabled");
  });
});

describe("sse handshake headers", () => {
  let h: Harness;
  before(async () => {
    h = await startEngine({ cookie: true });
  });
  after(() => h.close());

  test("the stream's response is the handshake: the cookie and initial_headers apply", async () => {
    h.engine.once("initial_headers", (headers) => {
      headers["X-Initial"] = "yes";
    });
    const { stream, sid, session } = await sseHandshake(h);
    assert.equal(stream.headers["x-initial"], "yes");
    assert.deepEqual(stream.headers["set-cookie"], [`io=${sid}; Path=/; HttpOnly; SameSite=Lax`]);
    session.close();
    await stream.ended;
  });
});
