import assert from "node:assert/strict";
import { once } from "node:events";
import { request } from "node:http";
import { describe, test } from "node:test";
import type { Session, SessionCloseReason } from "../src/index.js";
import { type Harness, pollingHandshake, send, startEngine, url, wsHandshake } from "./helpers.js";

/** Records every "close" of a session, to prove it is emitted exactly once. */
function closes(session: Session): [SessionCloseReason, Error | undefined][] {
  const seen: [SessionCloseReason, Error | undefined][] = [];
  session.on("close", (reason, description) => seen.push([reason, description]));
  return seen;
}

async function withEngine(
  options: Parameters<typeof startEngine>[0],
  fn: (h: Harness) => Promise<void>,
): Promise<void> {
  const h = await startEngine(options);
  try {
    await fn(h);
  } finally {
    await h.close();
  }
}

describe("heartbeat", () => {
  test("the server pings every pingInterval; a pong keeps the session alive", () =>
    withEngine({ pingInterval: 30, pingTimeout: 5000 }, async (h) => {
      const { peer, session } = await wsHandshake(h);
      let heartbeats = 0;
      session.on("heartbeat", () => heartbeats++);
      for (let i = 0; i < 3; i++) {
        assert.equal(await peer.next(), "2");
        const beat = once(session, "heartbeat");
        peer.send("3");
        await beat;
      }
      assert.equal(heartbeats, 3);
      assert.equal(session.state, "open");
      await peer.close();
    }));

  test("no pong within pingTimeout closes with ping timeout, once", () =>
    withEngine({ pingInterval: 20, pingTimeout: 20 }, async (h) => {
      const { peer, session } = await wsHandshake(h);
      const seen = closes(session);
      const [reason] = (await once(session, "close")) as [SessionCloseReason];
      assert.equal(reason, "ping timeout");
      assert.equal(await peer.next(), "2");
      await peer.closed;
      assert.equal(seen.length, 1);
      assert.equal(h.engine.clientsCount, 0);
    }));

  test("ping timeout over polling too", () =>
    withEngine({ pingInterval: 20, pingTimeout: 20 }, async (h) => {
      const { session } = await pollingHandshake(h);
      const [reason] = (await once(session, "close")) as [SessionCloseReason];
      assert.equal(reason, "ping timeout");
    }));
});

describe("close reasons, each emitted once", () => {
  test("transport close: a close packet over websocket and over polling, or the peer leaving", () =>
    withEngine({}, async (h) => {
      const a = await wsHandshake(h);
      const seenA = closes(a.session);
      const closedA = once(a.session, "close");
      a.peer.send("1");
      await closedA;
      const b = await pollingHandshake(h);
      const seenB = closes(b.session);
      const res = await send(h.port, "POST", url(`EIO=4&transport=polling&sid=${b.sid}`), {
        body: "1",
      });
      assert.equal(res.text, "ok");
      const c = await wsHandshake(h);
      const seenC = closes(c.session);
      const closedC = once(c.session, "close");
      c.peer.ws.terminate();
      await closedC;
      await a.peer.closed;
      for (const seen of [seenA, seenB, seenC]) {
        assert.deepEqual(seen, [["transport close", undefined]]);
      }
      assert.equal(h.engine.clientsCount, 0);
    }));

  test("transport error: the client abandons a pending poll", () =>
    withEngine({}, async (h) => {
      const { sid, session } = await pollingHandshake(h);
      const seen = closes(session);
      const closed = once(session, "close");
      const arrived = once(h.server, "request");
      const req = request({
        host: "127.0.0.1",
        port: h.port,
        path: url(`EIO=4&transport=polling&sid=${sid}`),
        agent: false,
      });
      req.on("error", () => {});
      req.end();
      await arrived;
      req.destroy();
      await closed;
      assert.equal(seen.length, 1);
      assert.equal(seen[0]![0], "transport error");
      assert.equal((seen[0]![1] as { code?: string }).code, "SB_ERR_POLL_ABORTED");
    }));

  test("forced close over websocket flushes what is queued, then closes", () =>
    withEngine({}, async (h) => {
      const { peer, session } = await wsHandshake(h);
      const seen = closes(session);
      session.send("bye");
      session.close();
      assert.equal(session.state, "closing");
      session.send("dropped");
      session.close();
      assert.equal(await peer.next(), "4bye");
      await peer.closed;
      assert.deepEqual(seen, [["forced close", undefined]]);
      assert.equal(session.state, "closed");
    }));

  test("forced close over polling: queued packets, then the close packet on the next poll", () =>
    withEngine({}, async (h) => {
      const { sid, session } = await pollingHandshake(h);
      const seen = closes(session);
      session.send("bye");
      session.close();
      const first = await send(h.port, "GET", url(`EIO=4&transport=polling&sid=${sid}`));
      assert.equal(first.text, "4bye");
      assert.equal(session.state, "closing");
      const second = await send(h.port, "GET", url(`EIO=4&transport=polling&sid=${sid}`));
      assert.equal(second.text, "1");
      assert.deepEqual(seen, [["forced close", undefined]]);
      const third = await send(h.port, "GET", url(`EIO=4&transport=polling&sid=${sid}`));
      assert.deepEqual(JSON.parse(third.text), { code: 1, message: "Session ID unknown" });
    }));

  test("forced close answers a pending poll with the close packet at once", () =>
    withEngine({}, async (h) => {
      const { sid, session } = await pollingHandshake(h);
      const seen = closes(session);
      const arrived = once(h.server, "request");
      const poll = send(h.port, "GET", url(`EIO=4&transport=polling&sid=${sid}`));
      await arrived;
      session.close();
      assert.equal((await poll).text, "1");
      assert.deepEqual(seen, [["forced close", undefined]]);
    }));

  test("engine.close() closes every session with server shutting down", () =>
    withEngine({}, async (h) => {
      const a = await wsHandshake(h);
      const b = await pollingHandshake(h);
      const arrived = once(h.server, "request");
      const poll = send(h.port, "GET", url(`EIO=4&transport=polling&sid=${b.sid}`));
      await arrived;
      const c = await pollingHandshake(h);
      const seen = [closes(a.session), closes(b.session), closes(c.session)];
      h.engine.close();
      assert.equal(h.engine.clientsCount, 0);
      assert.equal(h.engine.sessions.size, 0);
      for (const s of seen) assert.deepEqual(s, [["server shutting down", undefined]]);
      assert.equal((await poll).text, "1");
      await a.peer.closed;
      // The engine still accepts new sessions afterwards.
      const d = await wsHandshake(h);
      assert.equal(h.engine.clientsCount, 1);
      await d.peer.close();
    }));
});

describe("closing", () => {
  test("a closing polling session pings no more; unpolled, it ends with forced close", () =>
    withEngine({ pingInterval: 20, pingTimeout: 20 }, async (h) => {
      const { session } = await pollingHandshake(h);
      const seen = closes(session);
      const created: string[] = [];
      session.on("packetCreate", (p) => created.push(p.type));
      session.send("unpolled");
      session.close();
      // Nobody polls: the close waits pingInterval + pingTimeout for a poll, then gives up.
      await once(session, "close");
      assert.deepEqual(created, ["message"]);
      assert.deepEqual(seen, [["forced close", undefined]]);
      assert.equal(h.engine.clientsCount, 0);
    }));
});
