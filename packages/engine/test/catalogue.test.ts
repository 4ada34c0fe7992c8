import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { BadOptionError } from "@switchboard/protocol";
import {
  EngineError,
  EngineErrors,
  EngineIoErrorCode,
  engineDefaults,
  engineIoErrorMessages,
  generateSessionId,
  nodeTagOf,
  resolveEngineOptions,
  transportRegistry,
} from "../src/index.js";

const known = new Set(transportRegistry.keys());

describe("error catalogue", () => {
  test("every entry's Engine.IO code, message and status agree", () => {
    for (const [name, entry] of Object.entries(EngineErrors)) {
      if (entry.engineCode === undefined) {
        assert.equal(entry.status, undefined, name);
        continue;
      }
      assert.equal(
        entry.message,
        engineIoErrorMessages[entry.engineCode as EngineIoErrorCode],
        name,
      );
      const expected =
        entry.engineCode === EngineIoErrorCode.FORBIDDEN
          ? 403
          : name === "PAYLOAD_TOO_LARGE"
            ? 413
            : name === "DRAINING"
              ? 503
              : 400;
      assert.equal(entry.status, expected, name);
      const error = new EngineError(name as keyof typeof EngineErrors);
      assert.equal(error.code, entry.code);
      assert.equal(error.status, entry.status);
      assert.equal(error.engineCode, entry.engineCode);
      assert.equal(error.context.name, name);
    }
  });

  test("Engine.IO's six codes and messages", () => {
    assert.deepEqual(EngineIoErrorCode, {
      UNKNOWN_TRANSPORT: 0,
      UNKNOWN_SID: 1,
      BAD_HANDSHAKE_METHOD: 2,
      BAD_REQUEST: 3,
      FORBIDDEN: 4,
      UNSUPPORTED_PROTOCOL_VERSION: 5,
    });
    assert.deepEqual(Object.values(engineIoErrorMessages), [
      "Transport unknown",
      "Session ID unknown",
      "Bad handshake method",
      "Bad request",
      "Forbidden",
      "Unsupported protocol version",
    ]);
    for (const [name, code] of Object.entries(EngineIoErrorCode)) {
      const entry = EngineErrors[name as keyof typeof EngineErrors];
      assert.equal(entry.engineCode, code, name);
    }
  });
});

describe("options", () => {
  test("defaults are Engine.IO's", () => {
    const o = resolveEngineOptions({}, known);
    assert.equal(o.pingInterval, 25000);
    assert.equal(o.pingTimeout, 20000);
    assert.equal(o.upgradeTimeout, 10000);
    assert.equal(o.maxHttpBufferSize, 1e6);
    assert.deepEqual(o.transports, ["polling", "websocket", "sse", "jsonp", "htmlfile"]);
    assert.equal(o.streamHeartbeat, 15000);
    assert.equal(o.allowUpgrades, true);
    assert.equal(o.httpCompressionThreshold, 1024);
    assert.equal(o.perMessageDeflateThreshold, undefined);
    assert.equal(o.path, "/engine.io/");
    assert.equal(o.cookieEnabled, false);
    assert.equal(o.cors, undefined);
    assert.ok(Object.isFrozen(o));
    assert.ok(Object.isFrozen(engineDefaults));
  });

  test("user values win, 0 and false survive, undefined does not erase a default", () => {
    const input = {
      httpCompression: { threshold: 0 },
      allowUpgrades: false,
      pingInterval: undefined,
      path: "/x",
      perMessageDeflate: true,
      transports: ["websocket"],
      streamHeartbeat: false as const,
    };
    const copy = structuredClone(input);
    const o = resolveEngineOptions(input, known);
    assert.equal(o.httpCompressionThreshold, 0);
    assert.equal(o.allowUpgrades, false);
    assert.equal(o.pingInterval, 25000);
    assert.equal(o.path, "/x/");
    assert.equal(o.perMessageDeflateThreshold, 1024);
    assert.deepEqual(o.transports, ["websocket"]);
    assert.equal(o.streamHeartbeat, undefined);
    assert.deepEqual(input, copy, "the caller's object is not mutated");
  });

  const bad: [string, Record<string, unknown>][] = [
    ["pingInterval 0", { pingInterval: 0 }],
    ["negative pingTimeout", { pingTimeout: -1 }],
    ["NaN maxHttpBufferSize", { maxHttpBufferSize: Number.NaN }],
    ["unknown transport", { transports: ["carrier-pigeon"] }],
    ["no transports", { transports: [] }],
    ["relative path", { path: "engine" }],
    ["bad nodeTag", { nodeTag: "a.b" }],
    ["negative threshold", { httpCompression: { threshold: -1 } }],
    ["streamHeartbeat 0", { streamHeartbeat: 0 }],
  ];
  for (const [name, options] of bad) {
    test(`refuses ${name} with SB_ERR_BAD_OPTION`, () => {
      assert.throws(
        () => resolveEngineOptions(options, known),
        (err: Error) => err instanceof BadOptionError && err.code === "SB_ERR_BAD_OPTION",
      );
    });
  }
});

describe("session ids", () => {
  test("128 random bits, base64url, unique; the node tag is the part before the dot", () => {
    const ids = new Set<string>();
    for (let i = 0; i < 1000; i++) ids.add(generateSessionId());
    assert.equal(ids.size, 1000);
    for (const id of ids) {
      assert.match(id, /^[A-Za-z0-9_-]{22}$/);
      assert.equal(nodeTagOf(id), undefined);
    }
    const tagged = generateSessionId("eu-1");
    assert.match(tagged, /^eu-1\.[A-Za-z0-9_-]{22}$/);
    assert.equal(nodeTagOf(tagged), "eu-1");
    assert.equal(encodeURIComponent(tagged), tagged);
  });
});
