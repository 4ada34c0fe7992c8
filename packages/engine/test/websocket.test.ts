import assert from "node:assert/strict";
import { once } from "node:events";
import { after, before, describe, test } from "node:test";
import type { SessionCloseReason } from "../src/index.js";
import {
  type Harness,
  Peer,
  pollingHandshake,
  send,
  startEngine,
  url,
  wsHandshake,
} from "./helpers.js";

describe("websocket transport", () => {
  let h: Harness;
  before(async () => {
    h = await startEngine({ maxHttpBufferSize: 100 });
  });
  after(() => h.close());

  test("text and binary messages both ways; binary frames stay binary", async () => {
    const { peer, session } = await wsHandshake(h);
    const got: (string | Buffer)[] = [];
    session.on("message", (m) => got.push(m));
    const two = new Promise<void>((resolve) => {
      session.on("message", () => got.length === 2 && resolve());
    });
    peer.send("4hello");
    peer.send(Buffer.from([1, 2, 3]));
    await two;
    assert.deepEqual(got, ["hello", Buffer.from([1, 2, 3])]);
    session.send("hi").send(Buffer.from([4, 5]));
    assert.equal(await peer.next(), "4hi");
    assert.deepEqual(await peer.next(), Buffer.from([4, 5]));
    await peer.close();
  });

  test("backpressure: writes wait while a batch is in flight; bufferedAmount shows them; drain", async () => {
    const { peer, session } = await wsHandshake(h);
    // The peer stops reading, so a frame larger than the socket buffers cannot be written at once.
    const clientSocket = (peer.ws as unknown as { _socket: import("node:net").Socket })._socket;
    clientSocket.pause();
    const big = "z".repeat(32 * 1024 * 1024);
    session.send(big);
    await new Promise((resolve) => process.nextTick(resolve)); // after the per-tick flush
    // Handed to the transport, not to the kernel: the session still counts what `ws` holds.
    const held = session.bufferedAmount;
    assert.ok(held > 16 * 1024 * 1024, `bufferedAmount ${held} counts the unsent frame`);
    assert.equal(session.writable, false, "the frame is still being written");
    session.send("after");
    assert.equal(session.bufferedAmount, held + 5);
    clientSocket.resume();
    await once(session, "drain");
    assert.equal(session.bufferedAmount, 0);
    assert.equal(session.writable, true);
    assert.equal((await peer.next()).length, big.length + 1);
    assert.equal(await peer.next(), "4after");
    await peer.close();
  });

  test("a frame over maxHttpBufferSize closes with transport error (1009)", async () => {
    const { peer, session } = await wsHandshake(h);
    const closed = once(session, "close") as Promise<[SessionCloseReason]>;
    peer.send(`4${"x".repeat(200)}`);
    assert.equal((await closed)[0], "transport error");
    assert.equal(await peer.closed, 1009);
  });

  test("a malformed frame closes with parse error", async () => {
    const { peer, session } = await wsHandshake(h);
    const closed = once(session, "close") as Promise<[SessionCloseReason]>;
    peer.send("x");
    assert.equal((await closed)[0], "parse error");
    await peer.closed;
  });

  test("an unknown sid is refused with 400 code 1", async () => {
    const peer = new Peer(h.port, "EIO=4&transport=websocket&sid=nope");
    await assert.rejects(peer.opened, (err: { status: number; body: string }) => {
      assert.equal(err.status, 400);
      assert.deepEqual(JSON.parse(err.body), { code: 1, message: "Session ID unknown" });
      return true;
    });
  });

  test("a second WebSocket for a websocket session opens, then closes; the first goes on", async () => {
    const { peer, session } = await wsHandshake(h);
    const refusals: unknown[] = [];
    h.engine.on("connection_error", (e) => refusals.push(e));
    const second = new Peer(h.port, `EIO=4&transport=websocket&sid=${session.id}`);
    await second.opened;
    await second.closed;
    assert.equal(session.state, "open");
    assert.equal(session.transport.name, "websocket");
    const got = once(session, "message");
    peer.send("4still here");
    assert.deepEqual(await got, ["still here"]);
    session.send("back");
    assert.equal(await peer.next(), "4back");
    assert.deepEqual(refusals, [], "not a refusal: Engine.IO reports none either");
    await peer.close();
  });
});

describe("upgrade from polling to websocket", () => {
  let h: Harness;
  before(async () => {
    h = await startEngine({ upgradeTimeout: 200 });
  });
  after(() => h.close());

  test("probe, noop, 5: queued packets arrive once, in order, on the websocket", async () => {
    const { sid, session } = await pollingHandshake(h);
    const events: string[] = [];
    session.on("upgrading", (t) => events.push(`upgrading ${t.name}`));
    session.on("upgrade", (t) => events.push(`upgrade ${t.name}`));
    // A poll waits on the old transport while the WebSocket opens.
    const arrived = once(h.server, "request");
    const pending = send(h.port, "GET", url(`EIO=4&transport=polling&sid=${sid}`));
    await arrived;
    const peer = new Peer(h.port, `EIO=4&transport=websocket&sid=${sid}`);
    await peer.opened;
    peer.send("2probe");
    assert.equal(await peer.next(), "3probe");
    assert.equal((await pending).text, "6", "the waiting poll is released with a noop");
    session.send("a");
    // A poll that arrives during the upgrade gets a noop too, never the queued message.
    const late = await send(h.port, "GET", url(`EIO=4&transport=polling&sid=${sid}`));
    assert.equal(late.text, "6");
    session.send("b");
    assert.equal(session.writable, false);
    const upgraded = once(session, "upgrade");
    peer.send("5");
    await upgraded;
    assert.equal(await peer.next(), "4a");
    assert.equal(await peer.next(), "4b");
    session.send("c");
    assert.equal(await peer.next(), "4c");
    assert.deepEqual(events, ["upgrading websocket", "upgrade websocket"]);
    assert.equal(session.transport.name, "websocket");

    // Polling is refused from now on; a second WebSocket opens and is closed at once.
    const poll = await send(h.port, "GET", url(`EIO=4&transport=polling&sid=${sid}`));
    assert.equal(poll.status, 400);
    assert.deepEqual(JSON.parse(poll.text), { code: 3, message: "Bad request" });
    const second = new Peer(h.port, `EIO=4&transport=websocket&sid=${sid}`);
    await second.opened;
    await second.closed;
    const got = once(session, "message");
    peer.send("4still here");
    assert.deepEqual(await got, ["still here"]);
    await peer.close();
  });

  test("a second WebSocket during an upgrade opens, then closes; the upgrade completes", async () => {
    const { sid, session } = await pollingHandshake(h);
    const peer = new Peer(h.port, `EIO=4&transport=websocket&sid=${sid}`);
    await peer.opened;
    const second = new Peer(h.port, `EIO=4&transport=websocket&sid=${sid}`);
    await second.opened;
    await second.closed;
    const upgraded = once(session, "upgrade");
    peer.send("2probe");
    assert.equal(await peer.next(), "3probe");
    peer.send("5");
    await upgraded;
    session.send("on the first");
    assert.equal(await peer.next(), "4on the first");
    await peer.close();
  });

  test("upgradeTimeout closes the probe WebSocket; the session stays on polling", async () => {
    const { sid, session } = await pollingHandshake(h);
    const peer = new Peer(h.port, `EIO=4&transport=websocket&sid=${sid}`);
    await peer.opened;
    await peer.closed;
    assert.equal(session.state, "open");
    assert.equal(session.transport.name, "polling");
    session.send("after");
    const res = await send(h.port, "GET", url(`EIO=4&transport=polling&sid=${sid}`));
    assert.equal(res.text, "4after");
    session.close();
  });

  test("an unexpected packet during the probe abandons the upgrade", async () => {
    const { sid, session } = await pollingHandshake(h);
    const peer = new Peer(h.port, `EIO=4&transport=websocket&sid=${sid}`);
    await peer.opened;
    peer.send("5");
    await peer.closed;
    assert.equal(session.transport.name, "polling");
    assert.equal(session.state, "open");
    session.close();
  });
});

describe("transport options", () => {
  test("allowUpgrades: false offers no upgrade and refuses one", async () => {
    const h = await startEngine({ allowUpgrades: false });
    try {
      const { sid, open, session } = await pollingHandshake(h);
      assert.deepEqual(open.upgrades, []);
      const peer = new Peer(h.port, `EIO=4&transport=websocket&sid=${sid}`);
      await assert.rejects(peer.opened, (err: { status: number }) => err.status === 400);
      session.close();
    } finally {
      await h.close();
    }
  });

  test("transports restricts what clients may use", async () => {
    const wsOnly = await startEngine({ transports: ["websocket"] });
    try {
      const res = await send(wsOnly.port, "GET", url("EIO=4&transport=polling"));
      assert.deepEqual(JSON.parse(res.text), { code: 0, message: "Transport unknown" });
      const { peer } = await wsHandshake(wsOnly);
      await peer.close();
    } finally {
      await wsOnly.close();
    }
    const pollOnly = await startEngine({ transports: ["polling"] });
    try {
      const { open, session } = await pollingHandshake(pollOnly);
      assert.deepEqual(open.upgrades, []);
      session.close();
      const peer = new Peer(pollOnly.port, "EIO=4&transport=websocket");
      await assert.rejects(peer.opened, (err: { status: number; body: string }) => {
        return err.status === 400 && JSON.parse(err.body).code === 0;
      });
    } finally {
      await pollOnly.close();
    }
  });

  test("perMessageDeflate is off by default and negotiated when enabled", async () => {
    const off = await startEngine();
    const on = await startEngine({ perMessageDeflate: { threshold: 0 } });
    try {
      const a = await wsHandshake(off);
      assert.equal(a.peer.ws.extensions, "");
      const b = await wsHandshake(on);
      assert.match(b.peer.ws.extensions, /permessage-deflate/);
      b.session.send("y".repeat(5000));
      assert.equal(await b.peer.next(), `4${"y".repeat(5000)}`);
      await a.peer.close();
      await b.peer.close();
    } finally {
      await off.close();
      await on.close();
    }
  });
});
