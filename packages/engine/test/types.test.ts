/** Type tests for the typed event maps and the public shapes (checked by `tsc`), plus listen(). */
import assert from "node:assert/strict";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import {
  type ConnectionErrorEvent,
  Engine,
  type Session,
  type SessionCloseReason,
  type SessionState,
} from "../src/index.js";
import { send } from "./helpers.js";

type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_proof?: T): void {}

test("event maps and public types", () => {
  expectType<
    Equal<
      SessionCloseReason,
      | "transport close"
      | "transport error"
      | "ping timeout"
      | "parse error"
      | "forced close"
      | "server shutting down"
    >
  >();
  expectType<Equal<SessionState, "opening" | "open" | "closing" | "closed">>();
  expectType<Equal<Session["protocol"], 4>>();
  const engine = new Engine();
  engine.on("connection", (session) => {
    expectType<Equal<typeof session, Session>>();
    session.on("message", (data) => expectType<Equal<typeof data, string | Buffer>>());
    session.on("close", (reason, description) => {
      expectType<Equal<typeof reason, SessionCloseReason>>();
      expectType<Equal<typeof description, Error | undefined>>();
    });
    // @ts-expect-error: not an event of a session
    session.on("messages", () => {});
    // @ts-expect-error: message data is not a number
    session.on("message", (data: number) => data);
  });
  engine.on("connection_error", (err) => expectType<Equal<typeof err, ConnectionErrorEvent>>());
  // @ts-expect-error: not an event of the engine
  engine.on("connect", () => {});
  expectType<Equal<typeof engine.clientsCount, number>>();
  assert.equal(engine.clientsCount, 0);
});

test("listen() runs the engine on a server of its own; other paths get 501", async () => {
  const engine = new Engine();
  const server = engine.listen(0);
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  try {
    assert.equal((await send(port, "GET", "/")).status, 501);
    const open = await send(port, "GET", "/engine.io/?EIO=4&transport=polling");
    assert.match(open.text, /^0\{"sid"/);
    assert.equal(engine.clientsCount, 1);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  assert.equal(engine.clientsCount, 0);
});
