/**
 * A session closed while something is half-way: an upgrade (probing or probed) on each HTTP
 * transport, a request still in the engine's asynchronous checks, a POST whose body is still
 * arriving, queued packets that no poll takes. Each must close once, promptly, with its reason,
 * answer every request and leave no engine timer behind.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type IncomingMessage, request, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, test } from "node:test";
import {
  resolveEngineOptions,
  type ServerTransport,
  type Session,
  type SessionCloseReason,
  transportRegistry,
} from "../src/index.js";
import { HtmlFileTransport } from "../src/transports/htmlfile.js";
import { JsonpTransport } from "../src/transports/jsonp.js";
import { PollingTransport } from "../src/transports/polling.js";
import { SseTransport } from "../src/transports/sse.js";
import { type Harness, Peer, pollingHandshake, send, startEngine, url } from "./helpers.js";
import { RawStream, runHtmlFile, runJsonp, sseEvents } from "./stream-helpers.js";
import { probeTimers, type TimerProbe } from "./timer-probe.js";

/** Records every "close" of a session, to prove it is emitted exactly once. */
function closes(session: Session): [SessionCloseReason, Error | undefined][] {
  const seen: [SessionCloseReason, Error | undefined][] = [];
  session.on("close", (reason, description) => seen.push([reason, description]));
  return seen;
}

/** How a test opens a session on one HTTP transport and reads what comes down. */
interface Kit {
  readonly name: string;
  open(h: Harness): Promise<{ sid: string; session: Session; stream?: RawStream }>;
  /** Payloads received so far on a stream. */
  payloads?(text: string): string[];
  /** A poll (polling, jsonp): resolves with the payload of its answer. */
  poll?(h: Harness, sid: string): Promise<string>;
}

const kits: Kit[] = [
  {
    name: "polling",
    open: (h) => pollingHandshake(h),
    poll: async (h, sid) =>
      (await send(h.port, "GET", url(`EIO=4&transport=polling&sid=${sid}`))).text,
  },
  {
    name: "jsonp",
    async open(h) {
      const res = await send(h.port, "GET", url("EIO=4&transport=jsonp&j=0"));
      const open = JSON.parse(String(runJsonp(res.text).get(0)![0]).slice(1));
      return { sid: open.sid, session: h.engine.sessions.get(open.sid)! };
    },
    async poll(h, sid) {
      const res = await send(h.port, "GET", url(`EIO=4&transport=jsonp&j=3&sid=${sid}`));
      return runJsonp(res.text).get(3)?.[0] as string;
    },
  },
  {
    name: "sse",
    async open(h) {
      const stream = await RawStream.open(h.port, url("EIO=4&transport=sse"));
      await stream.until((t) => sseEvents(t).length > 0);
      const open = JSON.parse(sseEvents(stream.text)[0]!.slice(1));
      return { sid: open.sid, session: h.engine.sessions.get(open.sid)!, stream };
    },
    payloads: sseEvents,
  },
  {
    name: "htmlfile",
    async open(h) {
      const q = `EIO=4&transport=htmlfile&j=0&o=${encodeURIComponent(h.origin)}`;
      const stream = await RawStream.open(h.port, url(q));
      await stream.until((t) => runHtmlFile(t).length > 0);
      const d = (runHtmlFile(stream.text)[0]![0] as { d: string }).d;
      const open = JSON.parse(d.slice(1));
      return { sid: open.sid, session: h.engine.sessions.get(open.sid)!, stream };
    },
    payloads: (text) => runHtmlFile(text).map(([m]) => (m as { d: string }).d),
  },
];

describe("close() during an upgrade", () => {
  let h: Harness;
  let timers: TimerProbe;
  beforeEach(async () => {
    // Long enough that nothing here ends by a timer: every close must come from an event.
    h = await startEngine({ pingInterval: 60_000, pingTimeout: 60_000, upgradeTimeout: 60_000 });
    timers = probeTimers();
  });
  afterEach(async () => {
    timers.restore();
    await h.close();
  });

  for (const kit of kits) {
    test(`${kit.name}: after the probe (old transport paused), forced close at once, probe closed, no timer`, async () => {
      const { sid, session, stream } = await kit.open(h);
      const seen = closes(session);
      const waiting = kit.poll?.(h, sid);
      if (waiting) await once(h.server, "request");
      const peer = new Peer(h.port, `EIO=4&transport=websocket&sid=${sid}`);
      await peer.opened;
      peer.send("2probe");
      assert.equal(await peer.next(), "3probe");
      if (waiting) assert.equal(await waiting, "6");
      else await stream!.until((t) => kit.payloads!(t).includes("6"));
      session.send("dropped");
      session.close();
      assert.deepEqual(seen, [["forced close", undefined]]);
      assert.equal(session.state, "closed");
      assert.equal(h.engine.sessions.has(sid), false);
      await peer.closed;
      if (stream) await stream.ended;
      assert.deepEqual(timers.pending(), []);
    });

    test(`${kit.name}: while probing (old transport in use), the close packet goes down it`, async () => {
      const { sid, session, stream } = await kit.open(h);
      const seen = closes(session);
      const waiting = kit.poll?.(h, sid);
      if (waiting) await once(h.server, "request");
      const peer = new Peer(h.port, `EIO=4&transport=websocket&sid=${sid}`);
      await peer.opened;
      session.close();
      if (waiting) assert.equal(await waiting, "1");
      else {
        await stream!.ended;
        assert.equal(kit.payloads!(stream!.text).at(-1), "1");
      }
      await peer.closed;
      assert.deepEqual(seen, [["forced close", undefined]]);
      assert.deepEqual(timers.pending(), []);
    });
  }
});

describe("engine.close() during an upgrade", () => {
  test("after the probe: server shutting down, once; probe closed; no timer", async () => {
    const h = await startEngine({
      pingInterval: 60_000,
      pingTimeout: 60_000,
      upgradeTimeout: 60_000,
    });
    const timers = probeTimers();
    try {
      const { sid, session } = await pollingHandshake(h);
      const seen = closes(session);
      const peer = new Peer(h.port, `EIO=4&transport=websocket&sid=${sid}`);
      await peer.opened;
      peer.send("2probe");
      assert.equal(await peer.next(), "3probe");
      h.engine.close();
      assert.deepEqual(seen, [["server shutting down", undefined]]);
      await peer.closed;
      assert.deepEqual(timers.pending(), []);
    } finally {
      timers.restore();
      await h.close();
    }
  });
});

describe("requests that reach a session after it closed", () => {
  let h: Harness;
  /** Requests whose checks are held in a middleware until the test releases them. */
  let held: { req: IncomingMessage; next: () => void }[];
  let arrived: (() => void) | undefined;
  beforeEach(async () => {
    h = await startEngine({});
    held = [];
    h.engine.use((req, _res, next) => {
      if (!req.url?.includes("hold")) return next();
      held.push({ req, next: () => next() });
      arrived?.();
    });
  });
  afterEach(() => h.close());

  /** Resolves once the next request is held in the middleware. */
  function nextHeld(): Promise<void> {
    return new Promise<void>((resolve) => {
      arrived = resolve;
    });
  }

  /** Sends a request held in the middleware, then its client leaves; resolves once it has. */
  async function holdAndLeave(query: string): Promise<void> {
    const isHeld = nextHeld();
    const req = request({
      host: "127.0.0.1",
      port: h.port,
      path: url(`${query}&hold`),
      agent: false,
    });
    req.on("error", () => {});
    req.end();
    await isHeld;
    const gone = once(held.at(-1)!.req.socket, "close");
    req.destroy();
    await gone;
  }

  /** Sends a request held in the middleware; resolves once it is held. */
  async function hold(method: string, query: string, body?: string) {
    const isHeld = nextHeld();
    const response = send(h.port, method, url(`${query}&hold`), { body });
    await isHeld;
    return { response, release: held.at(-1)!.next };
  }

  test("a GET and a POST held in the engine's checks while their session closes get 400 code 1", async () => {
    const { sid, session } = await pollingHandshake(h);
    const get = await hold("GET", `EIO=4&transport=polling&sid=${sid}`);
    const post = await hold("POST", `EIO=4&transport=polling&sid=${sid}`, "4lost");
    session.terminate("transport error");
    get.release();
    post.release();
    for (const res of [await get.response, await post.response]) {
      assert.equal(res.status, 400);
      assert.deepEqual(JSON.parse(res.text), { code: 1, message: "Session ID unknown" });
    }
  });

  test("a polling GET held while its session upgrades gets 400 code 3", async () => {
    const { sid, session } = await pollingHandshake(h);
    const get = await hold("GET", `EIO=4&transport=polling&sid=${sid}`);
    const peer = new Peer(h.port, `EIO=4&transport=websocket&sid=${sid}`);
    await peer.opened;
    peer.send("2probe");
    assert.equal(await peer.next(), "3probe");
    const upgraded = once(session, "upgrade");
    peer.send("5");
    await upgraded;
    get.release();
    const res = await get.response;
    assert.equal(res.status, 400);
    assert.deepEqual(JSON.parse(res.text), { code: 3, message: "Bad request" });
    assert.equal(session.state, "open");
    await peer.close();
  });

  test("a WebSocket upgrade for a session that closed meanwhile is refused (400), not accepted", async () => {
    const { sid, session } = await pollingHandshake(h);
    const isHeld = nextHeld();
    const peer = new Peer(h.port, `EIO=4&transport=websocket&sid=${sid}&hold`);
    await isHeld;
    session.terminate("transport error");
    held.at(-1)!.next();
    await assert.rejects(peer.opened, (err: { status: number; body: string }) => {
      assert.equal(err.status, 400);
      assert.deepEqual(JSON.parse(err.body), { code: 1, message: "Session ID unknown" });
      return true;
    });
  });

  test("a GET whose client left while it was held fails the session at once (poll aborted)", async () => {
    const { sid, session } = await pollingHandshake(h);
    await holdAndLeave(`EIO=4&transport=polling&sid=${sid}`);
    const seen = closes(session);
    held.at(-1)!.next();
    assert.equal(seen.length, 1);
    assert.equal(seen[0]![0], "transport error");
    assert.equal((seen[0]![1] as { code?: string }).code, "SB_ERR_POLL_ABORTED");
  });

  test("an SSE handshake whose client left while it was held opens no session", async () => {
    let connections = 0;
    h.engine.on("connection", () => connections++);
    await holdAndLeave("EIO=4&transport=sse");
    const timers = probeTimers();
    try {
      held.at(-1)!.next();
      assert.equal(h.engine.clientsCount, 0);
      assert.equal(connections, 0);
      assert.deepEqual(timers.pending(), []);
    } finally {
      timers.restore();
    }
  });
});

describe("a request whose transport check is still running when its session closes", () => {
  let h: Harness;
  let held: (() => void) | undefined;
  let asked: (() => void) | undefined;
  beforeEach(async () => {
    held = undefined;
    // An asynchronous origin rule: the htmlfile check of the page origin `o` waits on it.
    h = await startEngine({
      cors: {
        origin: (origin, callback) => {
          if (origin === undefined || asked === undefined) return callback(null, true);
          held = () => callback(null, true);
          asked();
        },
      },
    });
  });
  afterEach(() => h.close());

  test("the GET is answered 400 code 1 (it used to reach a session that was gone)", async () => {
    const q = `EIO=4&transport=htmlfile&j=0&o=${encodeURIComponent(h.origin)}`;
    const stream = await RawStream.open(h.port, url(q));
    await stream.until((t) => runHtmlFile(t).length > 0);
    const d = (runHtmlFile(stream.text)[0]![0] as { d: string }).d;
    const sid = JSON.parse(d.slice(1)).sid as string;
    const session = h.engine.sessions.get(sid)!;
    const isAsked = new Promise<void>((resolve) => {
      asked = resolve;
    });
    const serverRes = new Promise<ServerResponse>((resolve) =>
      h.server.once("request", (_req, res) => resolve(res)),
    );
    const second = send(h.port, "GET", url(`${q}&sid=${sid}`));
    await isAsked;
    session.terminate("transport error");
    await stream.ended;
    held!();
    assert.equal((await serverRes).writableEnded, true, "answered at once");
    const res = await second;
    assert.equal(res.status, 400);
    assert.deepEqual(JSON.parse(res.text), { code: 1, message: "Session ID unknown" });
  });
});

describe("a transport that is closed answers at once", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startEngine({});
  });
  afterEach(() => h.close());

  /** The server-side response of the next request of the engine. */
  function nextResponse(): Promise<ServerResponse> {
    return new Promise((resolve) => h.server.once("request", (_req, res) => resolve(res)));
  }

  test("a POST still arriving when the session closes is answered at once", async () => {
    for (const close of ["session.close()", "engine.close()"] as const) {
      const { sid, session } = await pollingHandshake(h);
      // A waiting poll: session.close() answers it with the close packet and closes at once.
      const poll = send(h.port, "GET", url(`EIO=4&transport=polling&sid=${sid}`));
      await once(h.server, "request");
      const serverRes = nextResponse();
      const answered = new Promise<number>((resolve, reject) => {
        const req = request({
          host: "127.0.0.1",
          port: h.port,
          method: "POST",
          path: url(`EIO=4&transport=polling&sid=${sid}`),
          headers: { "Content-Length": "100" },
          agent: false,
        });
        req.on("response", (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", reject);
        req.write("4par");
      });
      const res = await serverRes;
      if (close === "session.close()") session.close();
      else h.engine.close();
      assert.equal(session.state, "closed", close);
      assert.equal(res.writableEnded, true, `${close}: the POST is answered`);
      assert.equal(await answered, 400);
      assert.equal((await poll).text, "1");
    }
  });

  test("a POST still arriving when the upgrade completes is read to its end and delivered", async () => {
    const { sid, session } = await pollingHandshake(h);
    const messages: unknown[] = [];
    session.on("message", (m) => messages.push(m));
    const arrived = once(h.server, "request");
    const req = request({
      host: "127.0.0.1",
      port: h.port,
      method: "POST",
      path: url(`EIO=4&transport=polling&sid=${sid}`),
      headers: { "Content-Length": String("4hello world".length) },
      agent: false,
    });
    const answered = new Promise<string>((resolve, reject) => {
      req.on("response", (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          text += c;
        });
        res.on("end", () => resolve(text));
      });
      req.on("error", reject);
    });
    req.write("4hel");
    await arrived;
    const peer = new Peer(h.port, `EIO=4&transport=websocket&sid=${sid}`);
    await peer.opened;
    peer.send("2probe");
    assert.equal(await peer.next(), "3probe");
    const upgraded = once(session, "upgrade");
    peer.send("5");
    await upgraded;
    req.end("lo world");
    assert.equal(await answered, "ok");
    assert.deepEqual(messages, ["hello world"]);
    await peer.close();
  });

  test("a polling session closed with nothing to deliver ends at once; its next request gets 400", async () => {
    const { sid, session } = await pollingHandshake(h);
    const seen = closes(session);
    session.close();
    assert.equal(session.state, "closed");
    assert.deepEqual(seen, [["forced close", undefined]]);
    assert.equal(h.engine.clientsCount, 0);
    const res = await send(h.port, "POST", url(`EIO=4&transport=polling&sid=${sid}`), {
      body: "1",
    });
    assert.equal(res.status, 400);
  });

  test("a closing polling session with a message queued: a close packet from the client ends it", async () => {
    const { sid, session } = await pollingHandshake(h);
    const seen = closes(session);
    session.send("last words");
    session.close();
    assert.equal(session.state, "closing");
    const res = await send(h.port, "POST", url(`EIO=4&transport=polling&sid=${sid}`), {
      body: "1",
    });
    assert.equal(res.text, "ok");
    assert.deepEqual(seen, [["forced close", undefined]]);
  });

  test("queued packets that no poll takes do not keep a closing session forever", async () => {
    const h2 = await startEngine({ pingInterval: 20, pingTimeout: 20 });
    try {
      const a = await pollingHandshake(h2);
      const b = await pollingHandshake(h2);
      a.session.send("never polled");
      b.session.send("never polled either");
      a.session.close();
      b.session.close();
      // Both closes are bounded by the same delay, a's started first: when b has closed, so has a.
      await once(b.session, "close");
      assert.equal(a.session.state, "closed");
    } finally {
      await h2.close();
    }
  });
});

describe("each HTTP transport, once closed, answers its requests at once", () => {
  const options = resolveEngineOptions({}, new Set(transportRegistry.keys()));
  const ctx = { options, decorateHeaders: () => {} };
  const makers: [string, () => ServerTransport][] = [
    ["polling", () => new PollingTransport(ctx, false)],
    ["jsonp", () => new JsonpTransport(ctx, false)],
    ["sse", () => new SseTransport(ctx, false)],
    ["htmlfile", () => new HtmlFileTransport(ctx, false)],
  ];
  for (const [name, make] of makers) {
    test(`${name}: a GET gets the close packet or 400, a POST gets 400`, async () => {
      const transport = make();
      transport.close("immediate");
      const server = createServer((req, res) => transport.handleRequest!(req, res));
      server.listen(0, "127.0.0.1");
      await once(server, "listening");
      const { port } = server.address() as AddressInfo;
      try {
        const q = `EIO=4&transport=${name}&sid=x&j=1&o=${encodeURIComponent("http://a.example")}`;
        const get = await send(port, "GET", url(q));
        if (name === "polling") assert.equal(get.text, "1");
        else if (name === "jsonp") assert.deepEqual(runJsonp(get.text).get(1), ["1"]);
        else {
          assert.equal(get.status, 400);
          assert.deepEqual(JSON.parse(get.text), { code: 3, message: "Bad request" });
        }
        const post = await send(port, "POST", url(q), { body: "4lost" });
        assert.equal(post.status, 400);
        assert.deepEqual(JSON.parse(post.text), { code: 3, message: "Bad request" });
      } finally {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });
  }
});
