/**
 * Flow control of a session: `bufferedAmount` counts what its queue and its transport hold
 * and have not handed to the kernel, "drain" says it all went out, `pause()`/`resume()` stop and
 * restart reading from the peer, on every transport. Plus the edge's `allowedHosts` and
 * `refuseHandshakes()`.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { request } from "node:http";
import { after, before, describe, test } from "node:test";
import type { Session } from "../src/index.js";
import {
  type Harness,
  Peer,
  pollingHandshake,
  send,
  startEngine,
  url,
  wsHandshake,
} from "./helpers.ts";
import { RawStream } from "./stream-helpers.ts";

const MIB = 1024 * 1024;

function messages(session: Session): string[] {
  const seen: string[] = [];
  session.on("message", (m) => seen.push(String(m)));
  return seen;
}

describe("flow control", () => {
  let h: Harness;
  before(async () => {
    h = await startEngine({ streamHeartbeat: false });
  });
  after(() => h.close());

  test("websocket: a peer that stops reading shows in bufferedAmount, drain follows its reading", async () => {
    const { peer, session } = await wsHandshake(h);
    const socket = (peer.ws as unknown as { _socket: import("node:net").Socket })._socket;
    socket.pause();
    const chunk = "x".repeat(64 * 1024);
    for (let i = 0; i < 160; i++) session.send(chunk);
    await new Promise((resolve) => setImmediate(resolve));
    // 10 MiB sent: the kernel's buffers take a few, the rest is counted by the session.
    assert.ok(session.bufferedAmount > 2 * MIB, `bufferedAmount ${session.bufferedAmount}`);
    const drained = once(session, "drain");
    socket.resume();
    await drained;
    assert.equal(session.bufferedAmount, 0);
    await peer.close();
  });

  test("websocket: pause() stops reading, resume() delivers what waited", async () => {
    const { peer, session } = await wsHandshake(h);
    const seen = messages(session);
    session.pause();
    assert.equal(session.isPaused, true);
    peer.send("4held");
    // A round trip the server answers without reading the peer: its pings go out meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(seen, []);
    const arrived = once(session, "message");
    session.resume();
    await arrived;
    assert.deepEqual(seen, ["held"]);
    await peer.close();
  });

  test("polling: queued messages count while no GET takes them; the answer's bytes until written", async () => {
    const { sid, session } = await pollingHandshake(h);
    session.send("a".repeat(1000));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(session.bufferedAmount, 1000);
    const drained = once(session, "drain");
    const res = await send(h.port, "GET", url(`EIO=4&transport=polling&sid=${sid}`));
    assert.equal(res.text.length, 1001);
    await drained;
    assert.equal(session.bufferedAmount, 0);
    session.close();
  });

  test("polling: pause() holds the next POST unread and unanswered until resume()", async () => {
    const { sid, session } = await pollingHandshake(h);
    const seen = messages(session);
    session.pause();
    let answered = false;
    const post = send(h.port, "POST", url(`EIO=4&transport=polling&sid=${sid}`), {
      body: "4one\x1e4two",
    }).then((res) => {
      answered = true;
      return res;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(answered, false);
    assert.deepEqual(seen, []);
    session.resume();
    assert.equal((await post).text, "ok");
    assert.deepEqual(seen, ["one", "two"]);
    session.close();
  });

  test("sse: a stalled stream's pending writes count; drain when the peer reads again", async () => {
    const stream = await RawStream.open(h.port, url("EIO=4&transport=sse"));
    await stream.until((t) => t.includes("data: 0"));
    const session = [...h.engine.sessions.values()].at(-1)!;
    stream.pause(true);
    const chunk = "s".repeat(64 * 1024);
    for (let i = 0; i < 160; i++) session.send(chunk);
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(session.bufferedAmount > 2 * MIB, `bufferedAmount ${session.bufferedAmount}`);
    const drained = once(session, "drain");
    stream.pause(false);
    await drained;
    assert.equal(session.bufferedAmount, 0);
    session.close();
    stream.destroy();
  });

  test("close() with nothing to deliver releases a POST still arriving at once", async () => {
    const { sid, session } = await pollingHandshake(h);
    const req = request({
      host: "127.0.0.1",
      port: h.port,
      method: "POST",
      path: url(`EIO=4&transport=polling&sid=${sid}`),
      headers: { "Content-Length": "1000" },
    });
    req.write("4slow");
    const answer = once(req, "response");
    await new Promise((resolve) => setTimeout(resolve, 30));
    session.close();
    assert.equal(session.state, "closed");
    const [res] = (await answer) as [import("node:http").IncomingMessage];
    assert.equal(res.statusCode, 400);
    req.destroy();
  });
});

describe("allowedHosts", () => {
  let h: Harness;
  before(async () => {
    h = await startEngine({ allowedHosts: ["localhost", "127.0.0.1"] });
  });
  after(() => h.close());

  test("a request for another Host is refused with 403 before anything; listed hosts pass", async () => {
    const refused = await send(h.port, "GET", url("EIO=4&transport=polling"), {
      headers: { host: "rebound.example:8080", origin: "http://rebound.example:8080" },
    });
    assert.equal(refused.status, 403);
    assert.equal(h.engine.clientsCount, 0);
    const ok = await send(h.port, "GET", url("EIO=4&transport=polling"), {
      headers: { host: `localhost:${h.port}` },
    });
    assert.equal(ok.status, 200);
    const peer = new Peer(h.port, "EIO=4&transport=websocket", { host: "rebound.example" });
    await assert.rejects(peer.opened, (err: { status: number }) => err.status === 403);
  });
});

describe("refuseHandshakes", () => {
  test("new handshakes get 503 while existing sessions go on", async () => {
    const h = await startEngine();
    try {
      const { sid } = await pollingHandshake(h);
      h.engine.refuseHandshakes();
      const refused = await send(h.port, "GET", url("EIO=4&transport=polling"));
      assert.equal(refused.status, 503);
      const peer = new Peer(h.port, "EIO=4&transport=websocket");
      await assert.rejects(peer.opened, (err: { status: number }) => err.status === 503);
      const post = await send(h.port, "POST", url(`EIO=4&transport=polling&sid=${sid}`), {
        body: "4still here",
      });
      assert.equal(post.text, "ok");
    } finally {
      await h.close();
    }
  });
});
