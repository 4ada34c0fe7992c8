/**
 * The WebSocket fallback in one round trip (src/polling-fallback.ts): a WebSocket handshake
 * marked `fallback=polling` that reaches the server as a plain GET (a proxy dropped `Upgrade`)
 * is answered as the polling handshake; an unmarked one, a session's request, or a server
 * without polling still gets Engine.IO's 400.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { after, before, describe, test } from "node:test";
import type { Session } from "../src/index.js";
import { type Harness, send, startEngine, url } from "./helpers.js";

describe("fallback=polling on a plain-GET WebSocket handshake", () => {
  let h: Harness;
  before(async () => {
    h = await startEngine();
  });
  after(() => h.close());

  test("is answered as the polling handshake; the session and its request are polling's", async () => {
    const connected = once(h.engine, "connection") as Promise<[Session]>;
    const res = await send(
      h.port,
      "GET",
      url("EIO=4&transport=websocket&fallback=polling&upgrades=sse&room=a%20b"),
    );
    assert.equal(res.status, 200, res.text);
    assert.equal(res.text[0], "0");
    const open = JSON.parse(res.text.slice(1)) as { sid: string; upgrades: string[] };
    // sse was asked for, as a polling handshake asks; websocket is offered as always.
    assert.deepEqual(open.upgrades, ["websocket", "sse"]);
    const [session] = await connected;
    assert.equal(session.id, open.sid);
    assert.equal(session.transport.name, "polling");
    const query = new URLSearchParams(session.request.url!.split("?")[1]);
    assert.equal(query.get("transport"), "polling");
    assert.equal(query.get("fallback"), null, "the mark is not the application's");
    assert.equal(query.get("room"), "a b", "the client's own query is kept");
    // The session goes on as any polling session: its first poll is answered.
    session.send("hi");
    const poll = await send(h.port, "GET", url(`EIO=4&transport=polling&sid=${open.sid}`));
    assert.equal(poll.text, "4hi");
    session.close();
  });

  const refused: [string, string][] = [
    ["an unmarked WebSocket handshake over plain GET", "EIO=4&transport=websocket"],
    ["another mark", "EIO=4&transport=websocket&fallback=sse"],
    ["a session's request", "EIO=4&transport=websocket&fallback=polling&sid=nope"],
  ];
  for (const [what, query] of refused) {
    test(`leaves ${what} to Engine.IO's refusal`, async () => {
      const res = await send(h.port, "GET", url(query));
      assert.equal(res.status, 400);
      assert.equal(JSON.parse(res.text).code, 3);
    });
  }

  test("a server without polling refuses it as before", async () => {
    const only = await startEngine({ transports: ["websocket"] });
    try {
      const res = await send(only.port, "GET", url("EIO=4&transport=websocket&fallback=polling"));
      assert.equal(res.status, 400);
      assert.equal(JSON.parse(res.text).code, 3);
    } finally {
      await only.close();
    }
  });
});
