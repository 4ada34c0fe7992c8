import assert from "node:assert/strict";
import { once } from "node:events";
import { Agent, request } from "node:http";
import { after, before, describe, test } from "node:test";
import { gunzipSync, inflateSync } from "node:zlib";
import type { SessionCloseReason } from "../src/index.js";
import { type Harness, pollingHandshake, send, startEngine, url } from "./helpers.js";

/** Resolves once the server has routed the next request (the engine's handler ran already). */
function routed(h: Harness): Promise<unknown> {
  return once(h.server, "request");
}

describe("long-polling", () => {
  let h: Harness;
  before(async () => {
    h = await startEngine({ maxHttpBufferSize: 100 });
  });
  after(() => h.close());

  test("a GET waits, then takes every queued packet as one payload (binary as base64)", async () => {
    const { sid, session } = await pollingHandshake(h);
    const arrived = routed(h);
    const poll = send(h.port, "GET", url(`EIO=4&transport=polling&sid=${sid}`));
    await arrived;
    assert.equal(session.writable, true);
    session
      .send("a")
      .send("b")
      .send(Buffer.from([1, 2, 3]));
    assert.equal(session.bufferedAmount, 5);
    const res = await poll;
    assert.equal(res.status, 200);
    assert.equal(res.text, "4a\x1e4b\x1ebAQID");
    assert.equal(session.bufferedAmount, 0);
    session.close();
  });

  test("a POST delivers its payload and answers ok", async () => {
    const { sid, session } = await pollingHandshake(h);
    const got: (string | Buffer)[] = [];
    session.on("message", (m) => got.push(m));
    const res = await send(h.port, "POST", url(`EIO=4&transport=polling&sid=${sid}`), {
      body: "4hello\x1e4wörld\x1ebAQID",
      headers: { "Content-Type": "text/plain;charset=UTF-8" },
    });
    assert.equal(res.status, 200);
    assert.equal(res.text, "ok");
    assert.deepEqual(got, ["hello", "wörld", Buffer.from([1, 2, 3])]);
    session.close();
  });

  test("send callbacks run and drain fires once the poll is written", async () => {
    const { sid, session } = await pollingHandshake(h);
    const events: string[] = [];
    session.on("drain", () => events.push("drain"));
    session.send("x", {}, () => events.push("cb x"));
    session.send("y", undefined, () => events.push("cb y"));
    const drained = once(session, "drain");
    const res = await send(h.port, "GET", url(`EIO=4&transport=polling&sid=${sid}`));
    await drained;
    assert.equal(res.text, "4x\x1e4y");
    assert.deepEqual(events, ["cb x", "cb y", "drain"]);
    session.close();
  });

  test("a second concurrent GET is refused and closes the session", async () => {
    const { sid, session } = await pollingHandshake(h);
    const closed = once(session, "close") as Promise<[SessionCloseReason, Error]>;
    const arrived = routed(h);
    const first = send(h.port, "GET", url(`EIO=4&transport=polling&sid=${sid}`));
    await arrived;
    const second = await send(h.port, "GET", url(`EIO=4&transport=polling&sid=${sid}`));
    assert.equal(second.status, 400);
    assert.deepEqual(JSON.parse(second.text), { code: 3, message: "Bad request" });
    const [reason, description] = await closed;
    assert.equal(reason, "transport error");
    assert.equal((description as { code?: string }).code, "SB_ERR_POLL_OVERLAP");
    assert.equal((await first).text, "1");
    assert.equal(h.engine.sessions.has(sid), false);
  });

  test("a second concurrent POST is refused and closes the session", async () => {
    const { sid, session } = await pollingHandshake(h);
    const closed = once(session, "close") as Promise<[SessionCloseReason, Error]>;
    const arrived = routed(h);
    const first = request({
      host: "127.0.0.1",
      port: h.port,
      method: "POST",
      path: url(`EIO=4&transport=polling&sid=${sid}`),
      agent: false,
    });
    first.on("error", () => {});
    first.write("4a"); // the body is not finished: the POST stays in progress
    await arrived;
    const second = await send(h.port, "POST", url(`EIO=4&transport=polling&sid=${sid}`), {
      body: "4b",
    });
    assert.equal(second.status, 400);
    const [reason, description] = await closed;
    assert.equal(reason, "transport error");
    assert.equal((description as { code?: string }).code, "SB_ERR_POLL_OVERLAP");
    first.destroy();
  });

  test("a body over maxHttpBufferSize answers 413 and closes the session", async () => {
    const { sid, session } = await pollingHandshake(h);
    const closed = once(session, "close") as Promise<[SessionCloseReason, Error]>;
    const res = await send(h.port, "POST", url(`EIO=4&transport=polling&sid=${sid}`), {
      body: `4${"x".repeat(100)}`,
    });
    assert.equal(res.status, 413);
    assert.deepEqual(JSON.parse(res.text), { code: 3, message: "Bad request" });
    const [reason, description] = await closed;
    assert.equal(reason, "transport error");
    assert.equal((description as { code?: string }).code, "SB_ERR_PAYLOAD_TOO_LARGE");
  });

  test("a chunked body (no Content-Length) over the limit answers 413 too", async () => {
    const { sid, session } = await pollingHandshake(h);
    const closed = once(session, "close");
    const res = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port: h.port,
          method: "POST",
          path: url(`EIO=4&transport=polling&sid=${sid}`),
          agent: false,
        },
        (r) => {
          r.resume();
          resolve(r.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      req.write(`4${"x".repeat(60)}`);
      req.end("y".repeat(60));
    });
    assert.equal(res, 413);
    await closed;
  });

  test("a malformed payload closes the session with parse error", async () => {
    const { sid, session } = await pollingHandshake(h);
    const closed = once(session, "close") as Promise<[SessionCloseReason]>;
    const res = await send(h.port, "POST", url(`EIO=4&transport=polling&sid=${sid}`), {
      body: "4ok\x1e9bad",
    });
    assert.equal(res.status, 400);
    assert.equal((await closed)[0], "parse error");
  });

  test("requests on one session share a keep-alive connection", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    let connections = 0;
    const onConnection = () => connections++;
    h.server.on("connection", onConnection);
    try {
      const open = await send(h.port, "GET", url("EIO=4&transport=polling"), { agent });
      const sid = JSON.parse(open.text.slice(1)).sid as string;
      const session = h.engine.sessions.get(sid)!;
      const post = await send(h.port, "POST", url(`EIO=4&transport=polling&sid=${sid}`), {
        body: "4a",
        agent,
      });
      assert.equal(post.headers.connection, "keep-alive");
      session.send("b");
      const poll = await send(h.port, "GET", url(`EIO=4&transport=polling&sid=${sid}`), { agent });
      assert.equal(poll.text, "4b");
      assert.equal(connections, 1);
      session.close();
    } finally {
      h.server.off("connection", onConnection);
      agent.destroy();
    }
  });
});

describe("polling compression", () => {
  const big = "x".repeat(2000);

  async function pollWith(
    h: Harness,
    encoding: string,
    send1: (s: import("../src/index.js").Session) => void,
  ) {
    const { sid, session } = await pollingHandshake(h);
    send1(session);
    const res = await send(h.port, "GET", url(`EIO=4&transport=polling&sid=${sid}`), {
      headers: { "Accept-Encoding": encoding },
    });
    session.close();
    return res;
  }

  test("gzip and deflate above the threshold, plain below it or with compress: false", async () => {
    const h = await startEngine();
    try {
      const gz = await pollWith(h, "gzip, deflate", (s) => s.send(big));
      assert.equal(gz.headers["content-encoding"], "gzip");
      assert.equal(gunzipSync(gz.body).toString(), `4${big}`);
      assert.ok(gz.body.length < big.length);
      const df = await pollWith(h, "deflate", (s) => s.send(big));
      assert.equal(df.headers["content-encoding"], "deflate");
      assert.equal(inflateSync(df.body).toString(), `4${big}`);
      const small = await pollWith(h, "gzip", (s) => s.send("tiny"));
      assert.equal(small.headers["content-encoding"], undefined);
      assert.equal(small.text, "4tiny");
      const off = await pollWith(h, "gzip", (s) => s.send(big, { compress: false }));
      assert.equal(off.headers["content-encoding"], undefined);
      assert.equal(off.text, `4${big}`);
    } finally {
      await h.close();
    }
  });

  test("httpCompression: false never compresses", async () => {
    const h = await startEngine({ httpCompression: false });
    try {
      const res = await pollWith(h, "gzip", (s) => s.send(big));
      assert.equal(res.headers["content-encoding"], undefined);
      assert.equal(res.text, `4${big}`);
    } finally {
      await h.close();
    }
  });
});
