/**
 * The admission's stages, over loopback: each check runs once, in order, the same for a
 * request and an upgrade; a session's request skips what only handshakes need; a refusal
 * stops the sequence where it happens.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { afterEach, beforeEach, describe, test } from "node:test";
import type { ConnectionErrorEvent, EngineOptions } from "../../src/index.js";
import { type Harness, Peer, send, startEngine, url } from "../helpers.js";

/** A page on another origin, which only the `cors.origin` rule can allow. */
const PAGE = "http://app.example";

describe("admission stages", () => {
  let h: Harness;
  let log: string[];
  let refuseAt: string | undefined;
  const refused: ConnectionErrorEvent[] = [];

  beforeEach(async () => {
    log = [];
    refuseAt = undefined;
    refused.length = 0;
    const options: EngineOptions = {
      cors: {
        origin: (_origin, callback) => {
          log.push("origin");
          // Asynchronous, as a rule that asks a database would be.
          setImmediate(() => callback(null, refuseAt !== "origin"));
        },
      },
      allowRequest: (_req, callback) => {
        log.push("allowRequest");
        setImmediate(() =>
          callback(refuseAt === "allowRequest" ? "no" : null, refuseAt !== "allowRequest"),
        );
      },
    };
    h = await startEngine(options);
    h.engine.use((_req, _res, next) => {
      log.push("middleware");
      setImmediate(() => next(refuseAt === "middleware" ? new Error("no") : undefined));
    });
    const generateId = h.engine.generateId.bind(h.engine);
    h.engine.generateId = (req) => {
      log.push("generateId");
      return Promise.resolve(generateId(req));
    };
    h.engine.on("connection_error", (e) => refused.push(e));
  });
  afterEach(() => h.close());

  const handshake = ["origin", "middleware", "allowRequest", "generateId"];

  test("a polling handshake: each stage once, in order; then a session's POST skips the handshake's", async () => {
    const headers = { Origin: PAGE };
    const res = await send(h.port, "GET", url("EIO=4&transport=polling"), { headers });
    assert.equal(res.status, 200);
    assert.deepEqual(log, handshake);
    const sid = JSON.parse(res.text.slice(1)).sid as string;
    log = [];
    const post = await send(h.port, "POST", url(`EIO=4&transport=polling&sid=${sid}`), {
      headers,
      body: "4hello",
    });
    assert.equal(post.text, "ok");
    assert.deepEqual(log, ["origin", "middleware"]);
    assert.deepEqual(refused, []);
  });

  test("a WebSocket handshake goes through the same stages", async () => {
    const connected = once(h.engine, "connection");
    const peer = new Peer(h.port, "EIO=4&transport=websocket", { Origin: PAGE });
    await peer.opened;
    await connected;
    assert.deepEqual(log, handshake);
    await peer.close();
  });

  for (const stage of ["origin", "middleware", "allowRequest"]) {
    test(`a refusal at ${stage} stops there, is reported once, and opens no session`, async () => {
      refuseAt = stage;
      const res = await send(h.port, "GET", url("EIO=4&transport=polling"), {
        headers: { Origin: PAGE },
      });
      assert.equal(res.status, stage === "middleware" ? 400 : 403);
      assert.deepEqual(log, handshake.slice(0, handshake.indexOf(stage) + 1));
      assert.equal(refused.length, 1);
      assert.equal(h.engine.clientsCount, 0);
      log = [];
      refused.length = 0;
      const upgrade = new Peer(h.port, "EIO=4&transport=websocket", { Origin: PAGE });
      await assert.rejects(upgrade.opened, { status: stage === "middleware" ? 400 : 403 });
      assert.deepEqual(log, handshake.slice(0, handshake.indexOf(stage) + 1), "upgrade");
      assert.equal(refused.length, 1);
    });
  }

  test("an engine check's refusal comes after the middlewares and before allowRequest", async () => {
    const res = await send(h.port, "GET", url("EIO=3&transport=polling"), {
      headers: { Origin: PAGE },
    });
    assert.deepEqual(JSON.parse(res.text), { code: 5, message: "Unsupported protocol version" });
    assert.deepEqual(log, ["origin", "middleware"]);
  });

  test("a preflight is answered after the policy, before any middleware", async () => {
    const res = await send(h.port, "OPTIONS", url("EIO=4&transport=polling"), {
      headers: { Origin: PAGE, "Access-Control-Request-Method": "POST" },
    });
    assert.equal(res.status, 204);
    assert.deepEqual(log, ["origin"]);
  });
});
