import assert from "node:assert/strict";
import { once } from "node:events";
import { after, before, describe, test } from "node:test";
import type { ConnectionErrorEvent } from "../src/index.js";
import {
  type Harness,
  Peer,
  pollingHandshake,
  send,
  startEngine,
  url,
  wsHandshake,
} from "./helpers.js";

describe("handshake", () => {
  let h: Harness;
  before(async () => {
    h = await startEngine({ pingInterval: 300, pingTimeout: 200 });
  });
  after(() => h.close());

  test("polling handshake answers the open packet with every field", async () => {
    const { open, session, res } = await pollingHandshake(h);
    assert.equal(res.headers["content-type"], "text/plain; charset=UTF-8");
    assert.deepEqual(Object.keys(open).sort(), [
      "maxPayload",
      "pingInterval",
      "pingTimeout",
      "sid",
      "upgrades",
    ]);
    assert.deepEqual(open.upgrades, ["websocket"]);
    assert.equal(open.pingInterval, 300);
    assert.equal(open.pingTimeout, 200);
    assert.equal(open.maxPayload, 1e6);
    assert.equal(session.id, open.sid);
    assert.match(session.id, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(session.transport.name, "polling");
    assert.equal(session.state, "open");
    assert.equal(session.protocol, 4);
    assert.equal(h.engine.sessions.get(session.id), session);
    session.close();
  });

  test("websocket handshake sends the open packet first, with no upgrades", async () => {
    const { peer, open, session } = await wsHandshake(h);
    assert.deepEqual(open.upgrades, []);
    assert.equal(session.transport.name, "websocket");
    await peer.close();
  });

  const refusals: [string, string, string, number, number, string][] = [
    ["unknown transport", "GET", "EIO=4&transport=carrier-pigeon", 400, 0, "Transport unknown"],
    ["missing transport", "GET", "EIO=4", 400, 0, "Transport unknown"],
    ["unknown sid", "GET", "EIO=4&transport=polling&sid=nope", 400, 1, "Session ID unknown"],
    ["handshake by POST", "POST", "EIO=4&transport=polling", 400, 2, "Bad handshake method"],
    [
      "websocket handshake over plain GET",
      "GET",
      "EIO=4&transport=websocket",
      400,
      3,
      "Bad request",
    ],
    ["EIO=3", "GET", "EIO=3&transport=polling", 400, 5, "Unsupported protocol version"],
    ["no EIO", "GET", "transport=polling", 400, 5, "Unsupported protocol version"],
  ];
  for (const [what, method, query, status, code, message] of refusals) {
    test(`refuses ${what} with ${status} {code: ${code}} and emits connection_error`, async () => {
      const errored = once(h.engine, "connection_error") as Promise<[ConnectionErrorEvent]>;
      const res = await send(h.port, method, url(query));
      assert.equal(res.status, status);
      assert.equal(res.headers["content-type"], "application/json");
      assert.deepEqual(JSON.parse(res.text), { code, message });
      const [event] = await errored;
      assert.equal(event.code, code);
      assert.equal(event.message, message);
      assert.equal(event.req.url, url(query));
      assert.match(String(event.context.sbCode), /^SB_ERR_/);
    });
  }
});

describe("allowRequest, middlewares, ids, cookie, headers", () => {
  test("allowRequest refusal answers 403 code 4 with its message", async () => {
    const h = await startEngine({
      allowRequest: (req, cb) => cb(req.headers["x-ok"] ? null : "go away", !!req.headers["x-ok"]),
    });
    try {
      const errored = once(h.engine, "connection_error") as Promise<[ConnectionErrorEvent]>;
      const res = await send(h.port, "GET", url("EIO=4&transport=polling"));
      assert.equal(res.status, 403);
      assert.deepEqual(JSON.parse(res.text), { code: 4, message: "go away" });
      assert.equal((await errored)[0].context.sbCode, "SB_ERR_FORBIDDEN");
      const ok = await pollingHandshake(h, { "x-ok": "1" });
      assert.equal(typeof ok.sid, "string");
    } finally {
      await h.close();
    }
  });

  test("middlewares run in order, can answer, and a failure is a 400 code 3", async () => {
    const h = await startEngine();
    const seen: string[] = [];
    h.engine
      .use((req, _res, next) => {
        seen.push(`a ${req.url}`);
        next();
      })
      .use((req, res, next) => {
        seen.push("b");
        if (req.headers["x-answer"]) res.writeHead(418).end("teapot");
        else if (req.headers["x-fail"]) next(new Error("nope"));
        else next();
      });
    try {
      await pollingHandshake(h);
      assert.deepEqual(seen, [`a ${url("EIO=4&transport=polling")}`, "b"]);
      const teapot = await send(h.port, "GET", url("EIO=4&transport=polling"), {
        headers: { "x-answer": "1" },
      });
      assert.equal(teapot.status, 418);
      const failed = await send(h.port, "GET", url("EIO=4&transport=polling"), {
        headers: { "x-fail": "1" },
      });
      assert.equal(failed.status, 400);
      assert.deepEqual(JSON.parse(failed.text), { code: 3, message: "Bad request" });
      assert.equal(h.engine.clientsCount, 1);
    } finally {
      await h.close();
    }
  });

  test("middlewares run on upgrades too: they may answer, fail, or let through", async () => {
    const h = await startEngine();
    h.engine.use((req, res, next) => {
      if (req.headers["x-answer"]) {
        res.setHeader("X-Why", "no token");
        res.writeHead(401);
        res.end("unauthorized");
      } else if (req.headers["x-fail"]) next(new Error("nope"));
      else next();
    });
    try {
      const answered = new Peer(h.port, "EIO=4&transport=websocket", { "x-answer": "1" });
      await assert.rejects(answered.opened, (err: { status: number; body: string }) => {
        assert.equal(err.status, 401);
        assert.equal(err.body, "unauthorized");
        return true;
      });
      const failed = new Peer(h.port, "EIO=4&transport=websocket", { "x-fail": "1" });
      await assert.rejects(failed.opened, (err: { status: number; body: string }) => {
        assert.equal(err.status, 400);
        assert.deepEqual(JSON.parse(err.body), { code: 3, message: "Bad request" });
        return true;
      });
      const { peer, session } = await wsHandshake(h);
      assert.equal(h.engine.clientsCount, 1);
      const closed = once(session, "close");
      await peer.close();
      await closed;
      assert.equal(h.engine.clientsCount, 0);
    } finally {
      await h.close();
    }
  });

  test("nodeTag prefixes ids; generateId can be overridden, even asynchronously", async () => {
    const h = await startEngine({ nodeTag: "node-7" });
    try {
      const { sid } = await pollingHandshake(h);
      assert.match(sid, /^node-7\.[A-Za-z0-9_-]{22}$/);
      h.engine.generateId = async () => "custom-id";
      const second = await pollingHandshake(h);
      assert.equal(second.sid, "custom-id");
      // An id already in use (or a failing generateId) refuses the handshake.
      const errored = once(h.engine, "connection_error") as Promise<[ConnectionErrorEvent]>;
      const dup = await send(h.port, "GET", url("EIO=4&transport=polling"));
      assert.equal(dup.status, 400);
      assert.equal((await errored)[0].code, 3);
      h.engine.generateId = () => {
        throw new Error("no ids today");
      };
      assert.equal((await send(h.port, "GET", url("EIO=4&transport=polling"))).status, 400);
    } finally {
      await h.close();
    }
  });

  test("cookie option sets io=<sid> on the handshake only; header events fire", async () => {
    const h = await startEngine({ cookie: true });
    let initial = 0;
    let all = 0;
    h.engine.on("initial_headers", (headers) => {
      initial++;
      headers["X-Initial"] = "yes";
    });
    h.engine.on("headers", (headers) => {
      all++;
      headers["X-Every"] = "yes";
    });
    try {
      const { sid, res, session } = await pollingHandshake(h);
      assert.deepEqual(res.headers["set-cookie"], [
        `io=${encodeURIComponent(sid)}; Path=/; HttpOnly; SameSite=Lax`,
      ]);
      assert.equal(res.headers["x-initial"], "yes");
      assert.equal(res.headers["x-every"], "yes");
      const posted = send(h.port, "POST", url(`EIO=4&transport=polling&sid=${sid}`), {
        body: "4x",
      });
      session.send("y");
      const poll = await send(h.port, "GET", url(`EIO=4&transport=polling&sid=${sid}`));
      await posted;
      assert.equal(poll.text, "4y");
      assert.equal(poll.headers["set-cookie"], undefined);
      assert.equal(poll.headers["x-initial"], undefined);
      assert.equal(poll.headers["x-every"], "yes");
      assert.equal(initial, 1);
      assert.equal(all, 3); // handshake, POST, GET
      const ws = await wsHandshake(h);
      assert.equal(initial, 2);
      await ws.peer.close();
    } finally {
      await h.close();
    }
  });
});

describe("initialPacket and custom cookies", () => {
  test("initialPacket follows the open packet on both transports", async () => {
    const h = await startEngine({
      initialPacket: "welcome",
      cookie: { name: "sb", sameSite: "none", secure: true, maxAge: 60, path: false },
    });
    try {
      const { sid, res, session } = await pollingHandshake(h);
      assert.deepEqual(res.headers["set-cookie"], [
        `sb=${sid}; Max-Age=60; HttpOnly; Secure; SameSite=None`,
      ]);
      const next = await send(h.port, "GET", url(`EIO=4&transport=polling&sid=${sid}`));
      assert.equal(next.text, "4welcome");
      session.close();
      const ws = await wsHandshake(h);
      assert.equal(await ws.peer.next(), "4welcome");
      await ws.peer.close();
    } finally {
      await h.close();
    }
  });
});
