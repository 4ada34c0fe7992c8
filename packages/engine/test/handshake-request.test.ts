/**
 * What a session keeps of its handshake request: without middleware additions, a snapshot (the
 * request line, headers, socket), and the IncomingMessage itself is garbage once answered; with
 * them (express-session, passport), the request itself, as Socket.IO keeps it.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import type { IncomingMessage } from "node:http";
import { after, before, describe, test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { Session } from "../src/index.js";
import { type Harness, Peer, pollingHandshake, startEngine } from "./helpers.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Opens a WebSocket session with `query` and `headers`; returns the peer and the session. */
async function wsSession(h: Harness, query: string, headers: Record<string, string> = {}) {
  const connected = once(h.engine, "connection") as Promise<[Session]>;
  const peer = new Peer(h.port, query, headers);
  await peer.opened;
  const [session] = await connected;
  return { peer, session };
}

/** True if the handshake request's query has no sid (the middleware runs on every request). */
const isHandshake = (req: IncomingMessage): boolean =>
  !new URL(req.url ?? "/", "http://x").searchParams.has("sid");

describe("no middleware attaches anything: a snapshot", () => {
  let h: Harness;
  /** The last handshake request a middleware saw (weakly). */
  const seen: { request?: WeakRef<IncomingMessage> } = {};
  /** Read through a function: the narrowing after `delete` would not see the middleware's write. */
  const lastSeen = (): WeakRef<IncomingMessage> | undefined => seen.request;

  before(async () => {
    h = await startEngine();
    h.engine.use((req, _res, next) => {
      if (isHandshake(req)) seen.request = new WeakRef(req);
      next();
    });
  });
  after(() => h.close());

  test("a WebSocket session keeps url, method, headers and socket", async () => {
    const query = "EIO=4&transport=websocket&token=t1";
    const { peer, session } = await wsSession(h, query, { "x-trace": "abc" });
    const request = session.request;
    assert.equal(request.method, "GET");
    assert.equal(request.url, `/engine.io/?${query}`);
    assert.equal(request.headers["x-trace"], "abc");
    assert.equal(request.httpVersion, "1.1");
    assert.equal(request.socket.remoteAddress, "127.0.0.1");
    assert.equal(request.connection, request.socket, "connection is the socket's old name");
    assert.notEqual(request, lastSeen()?.deref(), "not the IncomingMessage");
    assert.equal("rawHeaders" in request, false, "the raw header list is not kept");
    assert.equal("_readableState" in request, false, "nor the stream state");
    assert.equal(session.remoteAddress, "127.0.0.1");
    await peer.close();
  });

  test("the handshake IncomingMessage is garbage once the session is open", async () => {
    delete seen.request;
    const { peer, session } = await wsSession(h, "EIO=4&transport=websocket");
    assert.ok(lastSeen()?.deref(), "the middleware saw the handshake request");
    // A few turns of the event loop for node's HTTP server to let go of it, then a full GC.
    let collected = false;
    for (let i = 0; i < 20 && !collected; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      gc();
      collected = lastSeen()?.deref() === undefined;
    }
    assert.equal(collected, true, "the session does not hold its handshake IncomingMessage");
    assert.equal(session.state, "open");
    assert.equal(session.request.url, "/engine.io/?EIO=4&transport=websocket");
    await peer.close();
  });

  test("a polling session keeps the same snapshot", async () => {
    const { session } = await pollingHandshake(h);
    assert.equal(session.request.method, "GET");
    assert.match(session.request.url ?? "", /transport=polling/);
    assert.equal(typeof session.request.headers.host, "string");
    assert.equal("rawHeaders" in session.request, false);
    session.close();
  });
});

describe("a middleware attaches something: the request itself", () => {
  let h: Harness;
  const seen: IncomingMessage[] = [];

  before(async () => {
    h = await startEngine();
    // As express-session and passport do: objects on the request that refer back to it.
    h.engine.use((req, _res, next) => {
      if (isHandshake(req)) {
        const r = req as IncomingMessage & { session?: { n: number }; user?: unknown };
        r.session = { n: 1 };
        r.user = { name: "ada" };
        seen.push(req);
      }
      next();
    });
  });
  after(() => h.close());

  for (const kind of ["websocket", "polling"] as const) {
    test(`${kind}: session.request is the request, later reassignments included`, async () => {
      const opened =
        kind === "websocket"
          ? await wsSession(h, "EIO=4&transport=websocket")
          : { ...(await pollingHandshake(h)), peer: undefined };
      const request = opened.session.request as typeof opened.session.request & {
        session: { n: number };
        user: unknown;
      };
      assert.equal(request, seen.at(-1), "the very IncomingMessage the middleware saw");
      assert.deepEqual(request.user, { name: "ada" });
      // express-session's reload() puts a new object on the request: the session sees it.
      (seen.at(-1) as IncomingMessage & { session: { n: number } }).session = { n: 2 };
      assert.deepEqual(request.session, { n: 2 });
      if (opened.peer) await opened.peer.close();
      else opened.session.close();
    });
  }
});
