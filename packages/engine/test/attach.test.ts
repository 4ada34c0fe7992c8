import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { test } from "node:test";
import WebSocket, { WebSocketServer } from "ws";
import { Engine, type Session } from "../src/index.js";
import { Peer, send } from "./helpers.js";

async function listen(server: ReturnType<typeof createServer>): Promise<number> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return (server.address() as AddressInfo).port;
}

async function shut(server: ReturnType<typeof createServer>): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

test("attach routes only its path; detach removes exactly its listeners", async () => {
  const app = (_req: IncomingMessage, res: ServerResponse) => res.end("app");
  const server = createServer(app);
  const port = await listen(server);
  const before = {
    request: server.listeners("request"),
    upgrade: server.listenerCount("upgrade"),
    close: server.listenerCount("close"),
  };
  const engine = new Engine();
  const detach = engine.attach(server, { path: "/rt" });
  try {
    assert.equal((await send(port, "GET", "/other")).text, "app");
    assert.equal((await send(port, "GET", "/engine.io/?EIO=4&transport=polling")).text, "app");
    const open = await send(port, "GET", "/rt/?EIO=4&transport=polling");
    assert.match(open.text, /^0\{"sid"/);
    const bare = await send(port, "GET", "/rt?EIO=4&transport=polling");
    assert.match(bare.text, /^0\{"sid"/);
    // A listener added while attached stays; the original comes back in front of it.
    const later = () => {};
    server.on("request", later);
    detach();
    detach();
    assert.deepEqual(server.listeners("request"), [...before.request, later]);
    assert.equal(server.listenerCount("upgrade"), before.upgrade);
    assert.equal(server.listenerCount("close"), before.close);
    server.off("request", later);
    assert.equal((await send(port, "GET", "/rt/?EIO=4&transport=polling")).text, "app");
  } finally {
    engine.close();
    await shut(server);
  }
});

test("foreign upgrades pass to other upgrade listeners, or are destroyed when there are none", async () => {
  const server = createServer();
  const port = await listen(server);
  const engine = new Engine();
  const detach = engine.attach(server);
  try {
    // Alone: a foreign upgrade is not left hanging.
    const lonely = new WebSocket(`ws://127.0.0.1:${port}/elsewhere`);
    const lonelyError = new Promise<Error>((resolve) => lonely.on("error", resolve));
    await new Promise((resolve) => lonely.on("close", resolve));
    assert.match((await lonelyError).message, /socket hang up/);
    // With another listener: it gets the foreign upgrade untouched.
    const other = new WebSocketServer({ noServer: true });
    const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (req.url === "/elsewhere") {
        other.handleUpgrade(req, socket, head, (ws) => ws.send("other server"));
      }
    };
    server.on("upgrade", onUpgrade);
    const peer = new WebSocket(`ws://127.0.0.1:${port}/elsewhere`);
    const [message] = await once(peer, "message");
    assert.equal(String(message), "other server");
    peer.close();
    await once(peer, "close");
    // And the engine still gets its own.
    const mine = new Peer(port, "EIO=4&transport=websocket");
    await mine.opened;
    assert.match(String(await mine.next()), /^0\{"sid"/);
    await mine.close();
    server.off("upgrade", onUpgrade);
    other.close();
  } finally {
    detach();
    engine.close();
    await shut(server);
  }
});

test("handleRequest and handleUpgrade serve a server that routes itself", async () => {
  const engine = new Engine();
  const server = createServer((req, res) => {
    if (req.url?.startsWith("/mine/")) engine.handleRequest(req, res);
    else res.end("app");
  });
  server.on("upgrade", (req, socket, head) => engine.handleUpgrade(req, socket, head));
  const port = await listen(server);
  try {
    const open = await send(port, "GET", "/mine/?EIO=4&transport=polling");
    assert.match(open.text, /^0\{"sid"/);
    const ws = new WebSocket(`ws://127.0.0.1:${port}/anything/?EIO=4&transport=websocket`);
    const [first] = await once(ws, "message");
    assert.match(String(first), /^0\{"sid"/);
    ws.close();
    await once(ws, "close");
  } finally {
    engine.close();
    await shut(server);
  }
});

test("closing the http server closes the sessions with server shutting down", async () => {
  const server = createServer();
  const port = await listen(server);
  const engine = new Engine();
  engine.attach(server);
  const connected = once(engine, "connection") as Promise<[Session]>;
  await send(port, "GET", "/engine.io/?EIO=4&transport=polling");
  const [session] = await connected;
  const closed = once(session, "close");
  await shut(server);
  assert.deepEqual(await closed, ["server shutting down", undefined]);
  assert.equal(engine.clientsCount, 0);
});
