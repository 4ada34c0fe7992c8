import assert from "node:assert/strict";
import { createServer } from "node:http";
import { test } from "node:test";
import { Engine } from "@switchboard/engine";
import {
  BadOptionError,
  defaultServerOptions,
  InMemoryAdapter,
  resolveOptions,
  Server,
  type ServerOptions,
} from "@switchboard/server";

test("defaults are Socket.IO's", () => {
  const o = resolveOptions();
  assert.equal(o.path, "/socket.io/");
  assert.equal(o.connectTimeout, 45_000);
  assert.equal(o.serveClient, true);
  assert.equal(o.connectionStateRecovery, false);
  assert.equal(o.cleanupEmptyChildNamespaces, false);
  assert.equal(o.adapter, InMemoryAdapter);
  assert.deepEqual(o.engine, {
    path: "/socket.io/",
    pingInterval: 25_000,
    pingTimeout: 20_000,
    upgradeTimeout: 10_000,
    maxHttpBufferSize: 1e6,
  });
  assert.ok(Object.isFrozen(defaultServerOptions));
  assert.ok(Object.isFrozen(o));
});

test("user values win, 0 is kept, undefined does not erase a default, input is not mutated", () => {
  const input: ServerOptions = {
    connectTimeout: 0,
    pingInterval: undefined,
    transports: ["websocket"],
    connectionStateRecovery: {},
  };
  const copy = structuredClone(input);
  const o = resolveOptions(input);
  assert.equal(o.connectTimeout, 0);
  assert.equal(o.engine.pingInterval, 25_000);
  assert.deepEqual(o.engine.transports, ["websocket"]);
  assert.deepEqual(o.connectionStateRecovery, {
    maxDisconnectionDuration: 120_000,
    skipMiddlewares: true,
  });
  assert.deepEqual(input, copy);
});

test("impossible values are refused with a coded error", () => {
  assert.throws(() => resolveOptions({ connectTimeout: -1 }), BadOptionError);
  assert.throws(() => resolveOptions({ path: "socket.io" }), { code: "SB_ERR_BAD_OPTION" });
  assert.throws(
    () => resolveOptions({ connectionStateRecovery: { maxDisconnectionDuration: Number.NaN } }),
    { code: "SB_ERR_BAD_OPTION" },
  );
});

test("engine options are checked once, by the engine's rules, at new Server(): the error attach() would give", () => {
  for (const bad of [
    { pingInterval: 0 },
    { pingTimeout: -1 },
    { maxHttpBufferSize: Number.NaN },
    { transports: ["carrier-pigeon"] },
    { transports: [] },
  ] as ServerOptions[]) {
    let thrown: unknown;
    try {
      new Server(bad);
    } catch (err) {
      thrown = err;
    }
    assert.ok(thrown instanceof Error, `new Server(${JSON.stringify(bad)}) throws`);
    assert.equal((thrown as { code?: string }).code, "SB_ERR_BAD_OPTION");
    let fromEngine: unknown;
    try {
      new Engine({ ...bad, path: "/socket.io/" });
    } catch (err) {
      fromEngine = err;
    }
    assert.equal(thrown.constructor, (fromEngine as Error).constructor);
    assert.equal(thrown.message, (fromEngine as Error).message);
  }
});

test("a parser without Encoder and Decoder classes is refused", () => {
  assert.throws(() => resolveOptions({ parser: {} as never }), {
    code: "SB_ERR_BAD_OPTION",
    message: /^parser must be a Socket.IO parser/,
  });
});

test("Engine.IO options the engine cannot honour are refused by name when the server attaches", () => {
  const http = createServer();
  assert.throws(() => new Server(http, { allowEIO3: true }), {
    code: "SB_ERR_UNSUPPORTED_OPTION",
    message: /^allowEIO3 is not supported/,
  });
  assert.throws(() => new Server(http, { wsEngine: class {} }), {
    code: "SB_ERR_UNSUPPORTED_OPTION",
    message: /^wsEngine is not supported/,
  });
});
