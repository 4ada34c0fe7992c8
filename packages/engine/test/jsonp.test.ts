import assert from "node:assert/strict";
import { once } from "node:events";
import { after, before, describe, test } from "node:test";
import type { Session, SessionCloseReason } from "../src/index.js";
import { type Harness, Peer, send, startEngine, url } from "./helpers.js";
import { RawStream, runJsonp } from "./stream-helpers.js";

/** A JSONP handshake (a script tag: no Origin); the session is held until a POST proves it. */
async function jsonpHandshake(h: Harness, j = 0) {
  const res = await send(h.port, "GET", url(`EIO=4&transport=jsonp&j=${j}`));
  assert.equal(res.status, 200, res.text);
  const payload = runJsonp(res.text).get(j)?.[0] as string;
  const open = JSON.parse(payload.slice(1)) as Record<string, unknown>;
  const sid = open.sid as string;
  return { res, open, sid, session: h.engine.sessions.get(sid)!, payload };
}

describe("jsonp", () => {
  let h: Harness;
  const connections: Session[] = [];
  before(async () => {
    h = await startEngine({ maxHttpBufferSize: 100 });
    h.engine.on("connection", (s) => connections.push(s));
  });
  after(() => h.close());

  test("GET j=n answers a script calling ___sb[n] with the payload, nosniff", async () => {
    const { res, open, payload } = await jsonpHandshake(h, 7);
    assert.match(String(res.headers["content-type"]), /^application\/javascript/);
    assert.equal(res.headers["x-content-type-options"], "nosniff");
    assert.equal(res.headers["cache-control"], "no-store");
    assert.ok(res.text.startsWith("___sb[7]("), res.text);
    assert.ok(payload.startsWith("0{"));
    assert.deepEqual(open.upgrades, ["websocket"]);
  });

  for (const [name, query] of [
    ["no j", "EIO=4&transport=jsonp"],
    ["a name as j", "EIO=4&transport=jsonp&j=alert"],
    ["an expression as j", `EIO=4&transport=jsonp&j=${encodeURIComponent("0](1);alert(1)//")}`],
    ["a negative j", "EIO=4&transport=jsonp&j=-1"],
    ["a 10-digit j", "EIO=4&transport=jsonp&j=1234567890"],
  ] as const) {
    test(`${name} is refused (400) and opens no session`, async () => {
      const before = h.engine.clientsCount;
      const res = await send(h.port, "GET", url(query));
      assert.equal(res.status, 400);
      assert.deepEqual(JSON.parse(res.text), { code: 3, message: "Bad request" });
      assert.equal(h.engine.clientsCount, before);
    });
  }

  test("a callback name in the request is never used", async () => {
    const res = await send(h.port, "GET", url("EIO=4&transport=jsonp&j=1&callback=evil&c=evil"));
    assert.ok(res.text.startsWith("___sb[1]("));
    assert.ok(!res.text.includes("evil"));
  });

  test("the session is held (no connection, opening) until a POST with an allowed origin", async () => {
    const { sid, session } = await jsonpHandshake(h);
    const count = connections.length;
    assert.equal(session.state, "opening");
    const got: string[] = [];
    const connected = once(h.engine, "connection") as Promise<[Session]>;
    const res = await send(h.port, "POST", url(`EIO=4&transport=jsonp&sid=${sid}&j=0`), {
      body: "4first\x1e4second",
      headers: { Origin: h.origin, "Content-Type": "text/plain;charset=UTF-8" },
    });
    assert.equal(res.status, 200);
    assert.equal(res.text, "ok");
    const [connectedSession] = await connected;
    assert.equal(connectedSession, session);
    assert.equal(connections.length, count + 1);
    assert.equal(session.state, "open");
    session.on("message", (m) => got.push(String(m)));
    // Later POSTs go straight to the open session.
    await send(h.port, "POST", url(`EIO=4&transport=jsonp&sid=${sid}&j=0`), { body: "4third" });
    assert.deepEqual(got, ["third"]);
    session.close();
  });

  test("messages of the proving POST are delivered after connection", async () => {
    const { sid } = await jsonpHandshake(h);
    const got: string[] = [];
    const onConnection = (s: Session) => s.on("message", (m) => got.push(String(m)));
    h.engine.once("connection", onConnection);
    await send(h.port, "POST", url(`EIO=4&transport=jsonp&sid=${sid}&j=0`), {
      body: "4a\x1e4b",
      headers: { Origin: h.origin },
    });
    assert.deepEqual(got, ["a", "b"]);
    h.engine.sessions.get(sid)?.close();
  });

  test("a POST from a foreign origin is refused and closes the session, never connected", async () => {
    const { sid, session } = await jsonpHandshake(h);
    const count = connections.length;
    const closed = once(session, "close") as Promise<[SessionCloseReason, { code?: string }]>;
    const res = await send(h.port, "POST", url(`EIO=4&transport=jsonp&sid=${sid}&j=0`), {
      body: "4steal",
      headers: { Origin: "https://evil.example" },
    });
    assert.equal(res.status, 403);
    const [reason, description] = await closed;
    assert.equal(reason, "transport error");
    assert.equal(description.code, "SB_ERR_ORIGIN_REFUSED");
    assert.equal(connections.length, count);
    assert.equal(h.engine.sessions.has(sid), false);
  });

  test("a POST without Origin (a non-browser client) proves the session", async () => {
    const { sid, session } = await jsonpHandshake(h);
    const connected = once(h.engine, "connection");
    await send(h.port, "POST", url(`EIO=4&transport=jsonp&sid=${sid}&j=0`), { body: "6" });
    await connected;
    assert.equal(session.state, "open");
    session.close();
  });

  test("polls: a GET waits, the answer is a script; payloads are escaped for scripts", async () => {
    const { sid, session } = await jsonpHandshake(h);
    await send(h.port, "POST", url(`EIO=4&transport=jsonp&sid=${sid}&j=0`), { body: "6" });
    const nasty = `</script><script>alert(1)</script><!-- \u2028\u2029 "' \\ & >`;
    const poll = RawStream.open(h.port, url(`EIO=4&transport=jsonp&sid=${sid}&j=3`));
    session.send(nasty).send(Buffer.from([1, 2, 3]));
    const stream = await poll;
    await stream.ended;
    assert.ok(!/<\/script/i.test(stream.text), stream.text);
    assert.ok(!stream.text.includes("<!--"));
    assert.ok(!/[\u2028\u2029]/.test(stream.text));
    assert.deepEqual(runJsonp(stream.text).get(3), [`4${nasty}\x1ebAQID`]);
    session.close();
  });

  test("a POST over maxHttpBufferSize gets 413 and closes the session", async () => {
    const { sid, session } = await jsonpHandshake(h);
    const closed = once(session, "close") as Promise<[SessionCloseReason, { code?: string }]>;
    const res = await send(h.port, "POST", url(`EIO=4&transport=jsonp&sid=${sid}&j=0`), {
      body: `4${"x".repeat(200)}`,
      headers: { Origin: h.origin },
    });
    assert.equal(res.status, 413);
    assert.equal((await closed)[1].code, "SB_ERR_PAYLOAD_TOO_LARGE");
  });

  test("close: a waiting poll gets the close packet", async () => {
    const { sid, session } = await jsonpHandshake(h);
    await send(h.port, "POST", url(`EIO=4&transport=jsonp&sid=${sid}&j=0`), { body: "6" });
    const poll = send(h.port, "GET", url(`EIO=4&transport=jsonp&sid=${sid}&j=4`));
    await once(h.server, "request");
    session.close();
    assert.deepEqual(runJsonp((await poll).text).get(4), ["1"]);
  });

  test("upgrade to WebSocket: the upgrade proves a held session; a waiting poll gets a noop", async () => {
    const { sid, session } = await jsonpHandshake(h);
    const connected = once(h.engine, "connection");
    const peer = new Peer(h.port, `EIO=4&transport=websocket&sid=${sid}`, { Origin: h.origin });
    await peer.opened;
    await connected;
    const poll = send(h.port, "GET", url(`EIO=4&transport=jsonp&sid=${sid}&j=2`));
    await once(h.server, "request");
    peer.send("2probe");
    assert.equal(await peer.next(), "3probe");
    assert.deepEqual(runJsonp((await poll).text).get(2), ["6"]);
    const upgraded = once(session, "upgrade");
    peer.send("5");
    await upgraded;
    assert.equal(session.transport.name, "websocket");
    session.send("over ws");
    assert.equal(await peer.next(), "4over ws");
    session.close();
    await peer.closed;
  });

  test("a WebSocket upgrade from a foreign origin is refused and closes the session", async () => {
    const { sid, session } = await jsonpHandshake(h);
    const closed = once(session, "close");
    const peer = new Peer(h.port, `EIO=4&transport=websocket&sid=${sid}`, {
      Origin: "https://evil.example",
    });
    await assert.rejects(peer.opened, { status: 403 });
    assert.equal((await closed)[0], "transport error");
  });
});

describe("jsonp with CORS", () => {
  let h: Harness;
  before(async () => {
    h = await startEngine({ cors: { origin: "https://app.example" } });
  });
  after(() => h.close());

  test("a CORS-simple POST (text/plain) from the allowed origin proves the session", async () => {
    const { sid, session } = await jsonpHandshake(h);
    const connected = once(h.engine, "connection");
    const res = await send(h.port, "POST", url(`EIO=4&transport=jsonp&sid=${sid}&j=0`), {
      body: "4hi",
      headers: { Origin: "https://app.example", "Content-Type": "text/plain;charset=UTF-8" },
    });
    assert.equal(res.status, 200);
    await connected;
    assert.equal(session.state, "open");
    session.close();
  });
});

describe("jsonp held sessions time out", () => {
  let h: Harness;
  before(async () => {
    h = await startEngine({ pingInterval: 20, pingTimeout: 20 });
  });
  after(() => h.close());

  test("a session never proven is pinged, then closed (ping timeout), never connected", async () => {
    let connected = 0;
    h.engine.on("connection", () => connected++);
    const { sid, session } = await jsonpHandshake(h);
    const closed = once(session, "close");
    const poll = await send(h.port, "GET", url(`EIO=4&transport=jsonp&sid=${sid}&j=0`));
    assert.deepEqual(runJsonp(poll.text).get(0), ["2"]);
    assert.equal((await closed)[0], "ping timeout");
    assert.equal(connected, 0);
  });
});

describe("jsonp initialPacket", () => {
  let h: Harness;
  before(async () => {
    h = await startEngine({ initialPacket: "welcome" });
  });
  after(() => h.close());

  test("initialPacket (application data) waits for the origin proof", async () => {
    const { sid, session } = await jsonpHandshake(h);
    const q = url(`EIO=4&transport=jsonp&sid=${sid}&j=0`);
    assert.equal(session.bufferedAmount, 0, "nothing queued for a held session");
    await send(h.port, "POST", q, { body: "6", headers: { Origin: h.origin } });
    const poll = await send(h.port, "GET", q);
    assert.deepEqual(runJsonp(poll.text).get(0), ["4welcome"]);
    session.close();
  });
});
