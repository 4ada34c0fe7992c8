import assert from "node:assert/strict";
import { once } from "node:events";
import { after, before, describe, test } from "node:test";
import type { ConnectionErrorEvent, Session, SessionCloseReason } from "../src/index.js";
import { type Harness, Peer, send, startEngine, url } from "./helpers.js";
import { RawStream, runHtmlFile } from "./stream-helpers.js";

type Posted = [message: { ___sb: number; d: string }, target: string];

/** The payloads posted so far to the embedding page. */
function payloads(html: string): string[] {
  return (runHtmlFile(html) as Posted[]).map(([m]) => m.d);
}

/** An htmlfile handshake (an iframe: no Origin) for the page at `page`. */
async function htmlfileHandshake(h: Harness, page: string, j = 0) {
  const q = `EIO=4&transport=htmlfile&j=${j}&o=${encodeURIComponent(page)}`;
  const stream = await RawStream.open(h.port, url(q));
  assert.equal(stream.status, 200);
  await stream.until((t) => runHtmlFile(t).length > 0);
  const [message, target] = (runHtmlFile(stream.text) as Posted[])[0]!;
  const open = JSON.parse(message.d.slice(1)) as Record<string, unknown>;
  const sid = open.sid as string;
  return { stream, open, sid, message, target, session: h.engine.sessions.get(sid)! };
}

describe("htmlfile", () => {
  let h: Harness;
  before(async () => {
    h = await startEngine({
      maxHttpBufferSize: 100,
      streamHeartbeat: 20,
      cors: { origin: ["https://app.example"] },
    });
  });
  after(() => h.close());

  test("streams a padded HTML document whose scripts postMessage to the exact page origin", async () => {
    const { stream, open, message, target, session } = await htmlfileHandshake(h, h.origin, 5);
    assert.match(String(stream.headers["content-type"]), /^text\/html/);
    assert.equal(stream.headers["x-content-type-options"], "nosniff");
    assert.equal(stream.headers["x-accel-buffering"], "no");
    const prelude = stream.text.slice(0, stream.text.indexOf("<script>"));
    assert.ok(prelude.length >= 1024, "padding so that browsers render at once");
    assert.equal(target, h.origin);
    assert.equal(message.___sb, 5);
    assert.ok(message.d.startsWith("0{"));
    assert.deepEqual(open.upgrades, ["websocket"]);
    assert.equal(session.state, "opening");
    session.close();
    await stream.ended;
    assert.ok(stream.text.endsWith("</body></html>"));
  });

  test("an origin allowed by cors.origin is the exact target", async () => {
    const { stream, target, session } = await htmlfileHandshake(h, "https://app.example");
    assert.equal(target, "https://app.example");
    assert.ok(!stream.text.includes('"*"'));
    session.close();
    await stream.ended;
  });

  test("an origin the policy does not allow is refused (403), no session", async () => {
    const before = h.engine.clientsCount;
    const q = `EIO=4&transport=htmlfile&j=0&o=${encodeURIComponent("https://evil.example")}`;
    const res = await send(h.port, "GET", url(q));
    assert.equal(res.status, 403);
    assert.deepEqual(JSON.parse(res.text), { code: 4, message: "Forbidden" });
    assert.equal(h.engine.clientsCount, before);
  });

  test("a refused o is answered before the middlewares: none runs, connection_error is emitted", async () => {
    const calls: (string | undefined)[] = [];
    const local = await startEngine({ cors: { origin: ["https://app.example"] } });
    try {
      local.engine.use((req, _res, next) => {
        calls.push(req.url);
        next();
      });
      const errors: ConnectionErrorEvent[] = [];
      local.engine.on("connection_error", (e) => errors.push(e));
      const q = `EIO=4&transport=htmlfile&j=0&o=${encodeURIComponent("https://evil.example")}`;
      const res = await send(local.port, "GET", url(q), { headers: { Cookie: "user=u42" } });
      assert.equal(res.status, 403);
      assert.deepEqual(JSON.parse(res.text), { code: 4, message: "Forbidden" });
      assert.deepEqual(calls, [], "no middleware saw the refused page's request");
      assert.equal(errors.length, 1);
      assert.equal(errors[0]?.code, 4);
      assert.equal(errors[0]?.context.sbCode, "SB_ERR_ORIGIN_REFUSED");
      assert.equal(errors[0]?.context.origin, "https://evil.example");
      // The same middleware does run for an allowed page (so the assertion above could fail).
      const ok = await htmlfileHandshake(local, "https://app.example");
      assert.equal(calls.length, 1);
      ok.session.close();
      await ok.stream.ended;
    } finally {
      await local.close();
    }
  });

  for (const [name, query] of [
    ["no origin", "j=0"],
    ["origin *", "j=0&o=*"],
    ["an origin with a path", `j=0&o=${encodeURIComponent("https://app.example/x")}`],
    ["a javascript: origin", `j=0&o=${encodeURIComponent("javascript:alert(1)")}`],
    ["the null origin", "j=0&o=null"],
    ["no j", `o=${encodeURIComponent("https://app.example")}`],
    ["a name as j", `j=x&o=${encodeURIComponent("https://app.example")}`],
  ] as const) {
    test(`${name} is refused (400)`, async () => {
      const res = await send(h.port, "GET", url(`EIO=4&transport=htmlfile&${query}`));
      assert.equal(res.status, 400);
    });
  }

  test("held until a POST from an allowed origin; batches go down as script chunks, escaped", async () => {
    const { stream, sid, session } = await htmlfileHandshake(h, "https://app.example");
    const connected = once(h.engine, "connection") as Promise<[Session]>;
    const got: (string | Buffer)[] = [];
    session.on("message", (m) => got.push(m));
    const res = await send(h.port, "POST", url(`EIO=4&transport=htmlfile&sid=${sid}`), {
      body: "4up\x1ebAQID",
      headers: { Origin: "https://app.example", "Content-Type": "text/plain;charset=UTF-8" },
    });
    assert.equal(res.text, "ok");
    assert.equal((await connected)[0], session);
    assert.deepEqual(got, ["up", Buffer.from([1, 2, 3])]);
    const nasty = "</script><script>alert(1)</script>\u2028<!--";
    session.send(nasty).send(Buffer.from([4]));
    await stream.until((t) => payloads(t).length === 2);
    assert.deepEqual(payloads(stream.text)[1], `4${nasty}\x1ebBA==`);
    assert.equal(stream.text.split("</script>").length - 1, 2, "only the engine's own </script>");
    session.close();
    await stream.ended;
    assert.deepEqual(payloads(stream.text).slice(1), [`4${nasty}\x1ebBA==`, "1"]);
  });

  test("a POST from a foreign origin closes the session, never connected", async () => {
    let connected = 0;
    const count = () => connected++;
    h.engine.on("connection", count);
    const { stream, sid, session } = await htmlfileHandshake(h, "https://app.example");
    const closed = once(session, "close") as Promise<[SessionCloseReason, { code?: string }]>;
    const res = await send(h.port, "POST", url(`EIO=4&transport=htmlfile&sid=${sid}`), {
      body: "4x",
      headers: { Origin: "https://evil.example" },
    });
    assert.equal(res.status, 403);
    assert.equal((await closed)[1].code, "SB_ERR_ORIGIN_REFUSED");
    await stream.ended;
    h.engine.off("connection", count);
    assert.equal(connected, 0);
  });

  test("a POST over maxHttpBufferSize gets 413 and closes the session", async () => {
    const { stream, sid, session } = await htmlfileHandshake(h, "https://app.example");
    const closed = once(session, "close") as Promise<[SessionCloseReason, { code?: string }]>;
    const res = await send(h.port, "POST", url(`EIO=4&transport=htmlfile&sid=${sid}`), {
      body: `4${"x".repeat(200)}`,
      headers: { Origin: "https://app.example" },
    });
    assert.equal(res.status, 413);
    assert.equal((await closed)[1].code, "SB_ERR_PAYLOAD_TOO_LARGE");
    await stream.ended;
  });

  test("a second stream for one sid is refused; an idle stream gets keep-alives", async () => {
    const { stream, sid, session } = await htmlfileHandshake(h, "https://app.example");
    const q = `EIO=4&transport=htmlfile&sid=${sid}&j=0&o=${encodeURIComponent("https://app.example")}`;
    assert.equal((await send(h.port, "GET", url(q))).status, 400);
    await stream.until((t) => t.includes("<!-- -->"));
    assert.equal(session.state, "opening");
    session.close();
    await stream.ended;
  });

  test("upgrade to WebSocket: noop chunk, then the document ends without a close packet", async () => {
    const { stream, sid, session } = await htmlfileHandshake(h, "https://app.example");
    const peer = new Peer(h.port, `EIO=4&transport=websocket&sid=${sid}`, {
      Origin: "https://app.example",
    });
    await peer.opened;
    assert.equal(session.state, "open", "the upgrade proved the origin");
    peer.send("2probe");
    assert.equal(await peer.next(), "3probe");
    await stream.until((t) => payloads(t).includes("6"));
    const upgraded = once(session, "upgrade");
    peer.send("5");
    await upgraded;
    await stream.ended;
    assert.ok(!payloads(stream.text).includes("1"));
    session.send("ws");
    assert.equal(await peer.next(), "4ws");
    session.close();
    await peer.closed;
  });
});
