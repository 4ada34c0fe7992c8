/**
 * The scenarios of the Engine.IO v4 protocol's test suite, in its configuration (pingInterval
 * 300, pingTimeout 200, maxPayload 1e6, CORS origin "*", path "/engine.io/", echo), written
 * against raw HTTP requests and raw WebSocket peers.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { after, before, describe, test } from "node:test";
import { type Harness, Peer, pollingHandshake, send, startEngine, url } from "./helpers.js";

describe("Engine.IO v4 test-suite scenarios", () => {
  let h: Harness;
  before(async () => {
    h = await startEngine({
      pingInterval: 300,
      pingTimeout: 200,
      maxHttpBufferSize: 1e6,
      cors: { origin: "*", methods: ["GET", "POST", "PUT"] },
    });
    h.engine.on("connection", (session) => session.on("message", (m) => session.send(m)));
  });
  after(() => h.close());

  const poll = (sid: string) => send(h.port, "GET", url(`EIO=4&transport=polling&sid=${sid}`));
  const push = (sid: string, body: string) =>
    send(h.port, "POST", url(`EIO=4&transport=polling&sid=${sid}`), { body });

  test("handshake refusals: bad EIO, bad transport, bad method", async () => {
    for (const q of [
      "transport=polling",
      "EIO=abc&transport=polling",
      "EIO=4",
      "EIO=4&transport=abc",
    ]) {
      assert.equal((await send(h.port, "GET", url(q))).status, 400, q);
    }
    for (const method of ["POST", "PUT"]) {
      assert.equal((await send(h.port, method, url("EIO=4&transport=polling"))).status, 400);
    }
    for (const q of [
      "transport=websocket",
      "EIO=abc&transport=websocket",
      "EIO=4",
      "EIO=4&transport=abc",
    ]) {
      const peer = new Peer(h.port, q);
      await assert.rejects(peer.opened, (e: { status: number }) => e.status === 400, q);
    }
  });

  test("polling echoes one, several, and text+binary packets", async () => {
    const { sid } = await pollingHandshake(h);
    for (const body of ["4hello", "4test1\x1e4test2\x1e4test3", "4hello\x1ebAQIDBA=="]) {
      assert.equal((await push(sid, body)).text, "ok");
      assert.equal((await poll(sid)).text, body);
    }
  });

  test("an invalid packet and a duplicate poll each close the session", async () => {
    const a = await pollingHandshake(h);
    assert.equal((await push(a.sid, "abc")).status, 400);
    assert.equal((await poll(a.sid)).status, 400);
    const b = await pollingHandshake(h);
    const arrived = once(h.server, "request");
    const first = poll(b.sid);
    await arrived;
    const second = await send(h.port, "GET", url(`EIO=4&transport=polling&sid=${b.sid}&t=burst`));
    assert.equal(second.status, 400);
    assert.equal((await first).text, "1");
    assert.equal((await poll(b.sid)).status, 400);
  });

  test("polling ping/pong three times", async () => {
    const { sid } = await pollingHandshake(h);
    for (let i = 0; i < 3; i++) {
      assert.equal((await poll(sid)).text, "2");
      assert.equal((await push(sid, "3")).status, 200);
    }
  });

  test("a close packet from the client releases its pending poll with a noop", async () => {
    const { sid } = await pollingHandshake(h);
    const arrived = once(h.server, "request");
    const pending = poll(sid);
    await arrived;
    assert.equal((await push(sid, "1")).text, "ok");
    const res = await pending;
    assert.equal(res.status, 200);
    assert.equal(res.text, "6");
    assert.equal((await poll(sid)).status, 400);
  });

  test("websocket: echo text and binary, ping/pong, invalid packet closes", async () => {
    const peer = new Peer(h.port, "EIO=4&transport=websocket");
    await peer.opened;
    await peer.next();
    peer.send("4hello");
    assert.equal(await peer.next(), "4hello");
    peer.send(Buffer.from([1, 2, 3, 4]));
    assert.deepEqual(await peer.next(), Buffer.from([1, 2, 3, 4]));
    for (let i = 0; i < 3; i++) {
      assert.equal(await peer.next(), "2");
      peer.send("3");
    }
    peer.send("abc");
    await peer.closed;
  });

  test("websocket: closes on ping timeout, and on a close packet", async () => {
    const idle = new Peer(h.port, "EIO=4&transport=websocket");
    await idle.closed;
    const closing = new Peer(h.port, "EIO=4&transport=websocket");
    await closing.opened;
    await closing.next();
    closing.send("1");
    await closing.closed;
  });

  test("upgrade with 2probe and 5 back to back; then polling is refused, a second WebSocket closed", async () => {
    const { sid, session } = await pollingHandshake(h);
    const peer = new Peer(h.port, `EIO=4&transport=websocket&sid=${sid}`);
    await peer.opened;
    const upgraded = once(session, "upgrade");
    peer.send("2probe");
    peer.send("5");
    assert.equal(await peer.next(), "3probe");
    await upgraded;
    assert.equal((await poll(sid)).status, 400);
    const second = new Peer(h.port, `EIO=4&transport=websocket&sid=${sid}`);
    await second.opened;
    await second.closed;
    peer.send("4hello");
    assert.equal(await peer.next(), "4hello");
    await peer.close();
  });
});
