/**
 * The official engine.io-client 6.x (installed with socket.io-client 4.8) against this engine,
 * in the configuration of the Engine.IO protocol's test suite: pingInterval 300, pingTimeout
 * 200, maxPayload 1e6, CORS origin "*", path "/engine.io/", every message echoed back.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { after, before, describe, test } from "node:test";
import { Socket as ClientSocket, type SocketOptions } from "engine.io-client";
import { type Harness, startEngine } from "./helpers.js";

/** The next emission of a client event (the client's emitter is not a Node EventEmitter). */
function event(client: ClientSocket, name: "open" | "upgrade" | "ping"): Promise<void> {
  return new Promise((resolve) => client.once(name, () => resolve()));
}

describe("engine.io-client interop", { timeout: 10000 }, () => {
  let h: Harness;
  before(async () => {
    h = await startEngine({ pingInterval: 300, pingTimeout: 200, cors: { origin: "*" } });
    h.engine.on("connection", (session) => {
      session.on("message", (data) => session.send(data));
    });
  });
  after(() => h.close());

  async function roundTrip(client: ClientSocket): Promise<void> {
    const received: unknown[] = [];
    const both = new Promise<void>((resolve) => {
      client.on("message", (data) => {
        received.push(data);
        if (received.length === 2) resolve();
      });
    });
    client.send("héllo");
    client.send(Buffer.from([1, 2, 3]));
    await both;
    assert.equal(received[0], "héllo");
    assert.deepEqual(Buffer.from(received[1] as Uint8Array), Buffer.from([1, 2, 3]));
  }

  async function connect(options: Partial<SocketOptions>): Promise<ClientSocket> {
    const client = new ClientSocket(`http://127.0.0.1:${h.port}`, options);
    await event(client, "open");
    return client;
  }

  async function disconnect(client: ClientSocket): Promise<void> {
    const sid = client.id;
    const session = sid ? h.engine.sessions.get(sid) : undefined;
    const closed = session ? once(session, "close") : Promise.resolve([]);
    client.close();
    const [reason] = (await closed) as [string?];
    if (session) assert.equal(reason, "transport close");
  }

  test("polling only, surviving heartbeats", async () => {
    const client = await connect({ transports: ["polling"] });
    assert.equal(client.transport.name, "polling");
    await roundTrip(client);
    // Two heartbeats answered by the client: the session is still open.
    await event(client, "ping");
    await event(client, "ping");
    assert.equal(h.engine.sessions.get(client.id!)?.state, "open");
    await roundTrip(client);
    await disconnect(client);
  });

  test("websocket only", async () => {
    const client = await connect({ transports: ["websocket"] });
    assert.equal(client.transport.name, "websocket");
    await roundTrip(client);
    await disconnect(client);
  });

  test("polling upgraded to websocket", async () => {
    const client = new ClientSocket(`http://127.0.0.1:${h.port}`);
    const sessionUpgraded = new Promise<void>((resolve) => {
      h.engine.once("connection", (session) => session.once("upgrade", () => resolve()));
    });
    await event(client, "open");
    assert.equal(client.transport.name, "polling");
    await event(client, "upgrade");
    await sessionUpgraded;
    assert.equal(client.transport.name, "websocket");
    assert.equal(h.engine.sessions.get(client.id!)?.transport.name, "websocket");
    await roundTrip(client);
    await disconnect(client);
  });

  test("messages sent by both sides during the upgrade arrive once, in order", async () => {
    const client = new ClientSocket(`http://127.0.0.1:${h.port}`);
    const [session] = (await once(h.engine, "connection")) as [import("../src/index.js").Session];
    const got: unknown[] = [];
    const all = new Promise<void>((resolve) => {
      client.on("message", (m) => {
        got.push(m);
        if (got.length === 40) resolve();
      });
    });
    // The echo handler answers each client message; the server also sends its own.
    session.on("upgrading", () => {
      for (let i = 0; i < 10; i++) session.send(`s${i}`);
    });
    await event(client, "open");
    for (let i = 0; i < 10; i++) client.send(`c${i}`);
    await event(client, "upgrade");
    for (let i = 10; i < 20; i++) client.send(`c${i}`);
    for (let i = 10; i < 20; i++) session.send(`s${i}`);
    await all;
    assert.deepEqual(
      got.filter((m) => String(m).startsWith("c")),
      Array.from({ length: 20 }, (_, i) => `c${i}`),
    );
    assert.deepEqual(
      got.filter((m) => String(m).startsWith("s")),
      Array.from({ length: 20 }, (_, i) => `s${i}`),
    );
    await disconnect(client);
  });
});
