/**
 * What a session keeps of its handshake request: the request line, headers, socket and what
 * middlewares attached, and not the IncomingMessage itself (it is garbage once answered).
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import type { IncomingMessage } from "node:http";
import { after, before, test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { Session } from "../src/index.js";
import { type Harness, Peer, pollingHandshake, startEngine } from "./helpers.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

let h: Harness;
/** The last handshake request a middleware saw (weakly). */
const seen: { request?: WeakRef<IncomingMessage> } = {};
/** Read through a function: the narrowing after `delete` would not see the middleware's write. */
const lastSeen = (): WeakRef<IncomingMessage> | undefined => seen.request;

before(async () => {
  h = await startEngine();
  // Middlewares attach things to the request, as express-session and passport do.
  h.engine.use((req, _res, next) => {
    const r = req as IncomingMessage & { user?: unknown; _viaMiddleware?: boolean };
    r.user = { name: "ada" };
    r._viaMiddleware = true;
    if (!new URL(req.url ?? "/", "http://x").searchParams.has("sid")) {
      seen.request = new WeakRef(req);
    }
    next();
  });
});
after(() => h.close());

test("a WebSocket session keeps url, method, headers, socket and middleware additions", async () => {
  const connected = once(h.engine, "connection") as Promise<[Session]>;
  const peer = new Peer(h.port, "EIO=4&transport=websocket&token=t1", { "x-trace": "abc" });
  await peer.opened;
  const [session] = await connected;
  const request = session.request as typeof session.request & {
    user?: unknown;
    _viaMiddleware?: boolean;
  };
  assert.equal(request.method, "GET");
  assert.equal(request.url, "/engine.io/?EIO=4&transport=websocket&token=t1");
  assert.equal(request.headers["x-trace"], "abc");
  assert.equal(request.httpVersion, "1.1");
  assert.equal(request.socket.remoteAddress, "127.0.0.1");
  assert.equal(request.connection, request.socket, "connection is the socket's old name");
  assert.deepEqual(request.user, { name: "ada" });
  assert.equal(request._viaMiddleware, true);
  assert.equal("rawHeaders" in request, false, "the raw header list is not kept");
  assert.equal("_readableState" in request, false, "nor the stream state");
  assert.equal(session.remoteAddress, "127.0.0.1");
  await peer.close();
});

test("the handshake IncomingMessage is garbage once the session is open", async () => {
  delete seen.request;
  const connected = once(h.engine, "connection") as Promise<[Session]>;
  const peer = new Peer(h.port, "EIO=4&transport=websocket");
  await peer.opened;
  const [session] = await connected;
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
  assert.deepEqual((session.request as { user?: unknown }).user, { name: "ada" });
  session.close();
});
