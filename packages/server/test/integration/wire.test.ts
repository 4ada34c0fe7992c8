/**
 * The Socket.IO v5 specification's own test-suite cases (socket.io-protocol, "Test suite"), run
 * with raw WebSocket peers against the reference configuration it gives, plus the malformed
 * packet cases: each closes only the offending connection, with "parse error".
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { type DisconnectReason, Server } from "@switchboard/server";
import WebSocket from "ws";
import { WirePeer } from "./wire-peer.ts";

describe("socket.io-protocol test suite, reference configuration", () => {
  // The reference configuration of the specification's test suite...
  const refHttp = createServer();
  const ref = new Server(refHttp, { pingInterval: 300, pingTimeout: 200, cors: { origin: "*" } });
  let refUrl = "";
  // ...and the same with a pingTimeout that a loaded test machine always meets, for the cases
  // that are not about the heartbeat (a late pong must not turn into a spurious close).
  const http = createServer();
  const io = new Server(http, { pingInterval: 300, pingTimeout: 10_000, cors: { origin: "*" } });
  const reasons: DisconnectReason[] = [];
  let url = "";
  const peers: WirePeer[] = [];
  const open = async () => {
    const { peer, handshake } = await WirePeer.open(url);
    peers.push(peer);
    return { peer, handshake };
  };
  /** A peer connected to "/" that already got its CONNECT and "auth" packets. */
  const connected = async () => {
    const { peer } = await open();
    peer.send("0");
    assert.match(await peer.nextPacket(), /^0\{"sid":"[\w-]+"\}$/);
    assert.equal(await peer.nextPacket(), '2["auth",{}]');
    return peer;
  };

  before(async () => {
    io.on("connection", (socket) => {
      socket.emit("auth", socket.handshake.auth);
      socket.on("message", (...args: unknown[]) => socket.emit("message-back", ...args));
      socket.on("message-with-ack", (...args: unknown[]) => {
        const ack = args.pop() as (...a: unknown[]) => void;
        ack(...args);
      });
      socket.on("disconnect", (reason) => reasons.push(reason));
    });
    io.of("/custom").on("connection", (socket) => {
      socket.emit("auth", socket.handshake.auth);
    });
    http.listen(0, "127.0.0.1");
    await once(http, "listening");
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    refHttp.listen(0, "127.0.0.1");
    await once(refHttp, "listening");
    refUrl = `http://127.0.0.1:${(refHttp.address() as AddressInfo).port}`;
  });

  after(async () => {
    for (const p of peers) p.close();
    await Promise.all([io.close(), ref.close()]);
  });

  test("Engine.IO handshake over long-polling; bad EIO, transport or method get 400", async () => {
    const res = await fetch(`${refUrl}/socket.io/?EIO=4&transport=polling`);
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.ok(text.startsWith("0"));
    const open = JSON.parse(text.slice(1));
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
    assert.equal(open.maxPayload, 1_000_000);
    for (const [query, method] of [
      ["transport=polling", "GET"],
      ["EIO=abc&transport=polling", "GET"],
      ["EIO=4", "GET"],
      ["EIO=4&transport=abc", "GET"],
      ["EIO=4&transport=polling", "PUT"],
    ] as const) {
      const bad = await fetch(`${url}/socket.io/?${query}`, { method });
      assert.equal(bad.status, 400, `${method} ${query}`);
      await bad.arrayBuffer();
    }
  });

  test("Engine.IO heartbeat over long-polling, and a session closed by the client", async () => {
    const res = await fetch(`${url}/socket.io/?EIO=4&transport=polling`);
    const { sid } = JSON.parse((await res.text()).slice(1));
    const poll = `${url}/socket.io/?EIO=4&transport=polling&sid=${sid}`;
    for (let i = 0; i < 2; i++) {
      assert.equal(await (await fetch(poll)).text(), "2");
      const pong = await fetch(poll, { method: "POST", body: "3" });
      assert.equal(pong.status, 200);
      await pong.text();
    }
    const [pending, post] = await Promise.all([
      fetch(poll),
      fetch(poll, { method: "POST", body: "1" }),
    ]);
    assert.equal(post.status, 200);
    await post.text();
    assert.equal(pending.status, 200);
    await pending.text();
    const after = await fetch(poll);
    assert.equal(after.status, 400);
    await after.arrayBuffer();
  });

  test("Engine.IO session without pongs closes with ping timeout", async () => {
    const res = await fetch(`${refUrl}/socket.io/?EIO=4&transport=polling`);
    const { sid } = JSON.parse((await res.text()).slice(1));
    const session = ref.engine.sessions.get(sid)!;
    const [reason] = await once(session, "close");
    assert.equal(reason, "ping timeout");
  });

  test("Engine.IO upgrade from long-polling to WebSocket", async () => {
    const res = await fetch(`${url}/socket.io/?EIO=4&transport=polling`);
    const { sid } = JSON.parse((await res.text()).slice(1));
    const ws = new WebSocket(
      `${url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket&sid=${sid}`,
    );
    await once(ws, "open");
    ws.send("2probe");
    const [probe] = await once(ws, "message");
    assert.equal(String(probe), "3probe");
    const upgraded = once(io.engine.sessions.get(sid)!, "upgrade");
    ws.send("5");
    await upgraded;
    assert.equal(io.engine.sessions.get(sid)!.transport.name, "websocket");
    const stale = await fetch(`${url}/socket.io/?EIO=4&transport=polling&sid=${sid}`);
    assert.equal(stale.status, 400);
    await stale.arrayBuffer();
    ws.close();
  });

  test("the WebSocket engine handshake carries the configured heartbeat", async () => {
    const { peer, handshake } = await WirePeer.open(refUrl);
    peers.push(peer);
    assert.deepEqual(handshake.upgrades, []);
    assert.equal(handshake.pingInterval, 300);
    assert.equal(handshake.pingTimeout, 200);
    assert.equal(handshake.maxPayload, 1_000_000);
  });

  test("connects to the main namespace, with and without a payload", async () => {
    await connected();
    const { peer } = await open();
    peer.send('0{"token":"123"}');
    const connect = await peer.nextPacket();
    assert.deepEqual(Object.keys(JSON.parse(connect.slice(1))), ["sid"]);
    assert.equal(await peer.nextPacket(), '2["auth",{"token":"123"}]');
  });

  test("connects to a custom namespace, with and without a payload", async () => {
    const { peer } = await open();
    peer.send("0/custom,");
    assert.match(await peer.nextPacket(), /^0\/custom,\{"sid":"[\w-]+"\}$/);
    assert.equal(await peer.nextPacket(), '2/custom,["auth",{}]');
    const second = (await open()).peer;
    second.send('0/custom,{"token":"abc"}');
    assert.match(await second.nextPacket(), /^0\/custom,\{"sid":/);
    assert.equal(await second.nextPacket(), '2/custom,["auth",{"token":"abc"}]');
  });

  test("refuses an unknown namespace", async () => {
    const { peer } = await open();
    peer.send("0/random");
    assert.equal(await peer.nextPacket(), '4/random,{"message":"Invalid namespace"}');
  });

  test("connects then disconnects from a custom namespace; the main one keeps working", async () => {
    const peer = await connected();
    peer.send("0/custom");
    assert.match(await peer.nextPacket(), /^0\/custom,/);
    assert.equal(await peer.nextPacket(), '2/custom,["auth",{}]');
    peer.send("1/custom");
    peer.send('2["message","message to main namespace"]');
    assert.equal(await peer.nextPacket(), '2["message-back","message to main namespace"]');
  });

  test("plain-text and binary events, with and without acks", async () => {
    const peer = await connected();
    peer.send('2["message",1,"2",{"3":[true]}]');
    assert.equal(await peer.nextPacket(), '2["message-back",1,"2",{"3":[true]}]');

    peer.send('52-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
    peer.sendBinary(Uint8Array.from([1, 2, 3]));
    peer.sendBinary(Uint8Array.from([4, 5, 6]));
    assert.equal(
      await peer.nextPacket(),
      '52-["message-back",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]',
    );
    assert.deepEqual(await peer.next(), Buffer.from([1, 2, 3]));
    assert.deepEqual(await peer.next(), Buffer.from([4, 5, 6]));

    peer.send('2456["message-with-ack",1,"2",{"3":[false]}]');
    assert.equal(await peer.nextPacket(), '3456[1,"2",{"3":[false]}]');

    peer.send(
      '52-789["message-with-ack",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]',
    );
    peer.sendBinary(Uint8Array.from([1, 2, 3]));
    peer.sendBinary(Uint8Array.from([4, 5, 6]));
    assert.equal(
      await peer.nextPacket(),
      '62-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]',
    );
    assert.deepEqual(await peer.next(), Buffer.from([1, 2, 3]));
    assert.deepEqual(await peer.next(), Buffer.from([4, 5, 6]));
  });

  const malformed: [string, string][] = [
    ["an invalid handshake (CONNECT_ERROR from the client)", "4abc"],
    ["an invalid payload format", "2{}"],
    ["an invalid ack id", '2abc["message-with-ack",1,"2",{"3":[false]}]'],
    ["an unknown packet type", "8"],
    ["a second CONNECT", "0"],
    ["an EVENT for a namespace not joined", '2/custom,["message"]'],
  ];
  for (const [name, packet] of malformed) {
    test(`closes the connection upon ${name}, and only that one`, async () => {
      const bystander = await connected();
      const peer = await connected();
      reasons.length = 0;
      peer.send(packet);
      await peer.closed;
      assert.deepEqual(reasons, ["parse error"]);
      bystander.send('2["message","still here"]');
      assert.equal(await bystander.nextPacket(), '2["message-back","still here"]');
    });
  }

  test("closes a connection whose first packet is not a CONNECT", async () => {
    const { peer } = await open();
    peer.send('2["message"]');
    await peer.closed;
  });
});
