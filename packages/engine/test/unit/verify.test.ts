/** Engine.IO's checks (verify.ts) on real requests, against a registry with real sessions. */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  EngineError,
  type EngineOptions,
  resolveEngineOptions,
  transportRegistry,
} from "../../src/index.js";
import { SessionRegistry } from "../../src/session-registry.js";
import { type Via, verify } from "../../src/verify.js";
import { requestOf } from "./loopback.js";

function registryWithSession(options: EngineOptions = {}) {
  const registry = new SessionRegistry(
    resolveEngineOptions(options, new Set(transportRegistry.keys())),
    { headers: () => {}, connection: () => {} },
  );
  const req = requestOf("GET", "/engine.io/?EIO=4&transport=polling");
  const factory = registry.factories.get("polling")!;
  assert.equal(factory.via, "http");
  registry.register("s1", req, factory.create(req, true), false);
  return registry;
}

/** The code of the refusal, or what was verified: "<transport> <session id | handshake>". */
function check(registry: SessionRegistry, method: string, query: string, via: Via): string {
  const result = verify(registry, requestOf(method, `/engine.io/?${query}`), via);
  if (result instanceof EngineError) return result.code;
  return `${result.factory.name} ${result.session?.id ?? "handshake"}`;
}

test("handshakes: known transport of the request's kind, GET, EIO=4", () => {
  const r = registryWithSession();
  assert.equal(check(r, "GET", "EIO=4&transport=polling", "http"), "polling handshake");
  assert.equal(check(r, "GET", "EIO=4&transport=websocket", "upgrade"), "websocket handshake");
  assert.equal(check(r, "GET", "EIO=4&transport=nope", "http"), "SB_ERR_UNKNOWN_TRANSPORT");
  assert.equal(check(r, "GET", "EIO=4", "http"), "SB_ERR_UNKNOWN_TRANSPORT");
  assert.equal(check(r, "POST", "EIO=4&transport=polling", "http"), "SB_ERR_BAD_HANDSHAKE_METHOD");
  assert.equal(
    check(r, "GET", "EIO=3&transport=polling", "http"),
    "SB_ERR_UNSUPPORTED_PROTOCOL_VERSION",
  );
  assert.equal(check(r, "GET", "EIO=4&transport=websocket", "http"), "SB_ERR_BAD_REQUEST");
  assert.equal(check(r, "GET", "EIO=4&transport=polling", "upgrade"), "SB_ERR_BAD_REQUEST");
  r.close();
});

test("a session's requests: its transport, one it may upgrade to, nothing else", () => {
  const r = registryWithSession();
  assert.equal(check(r, "GET", "EIO=4&transport=polling&sid=s1", "http"), "polling s1");
  assert.equal(check(r, "POST", "EIO=4&transport=polling&sid=s1", "http"), "polling s1");
  assert.equal(check(r, "GET", "EIO=4&transport=polling&sid=s2", "http"), "SB_ERR_UNKNOWN_SID");
  // The upgrades polling may make: a WebSocket, or the GET that opens an sse stream.
  assert.equal(check(r, "GET", "EIO=4&transport=websocket&sid=s1", "upgrade"), "websocket s1");
  assert.equal(check(r, "GET", "EIO=4&transport=sse&sid=s1", "http"), "sse s1");
  // An sse POST before its stream exists, a transport it may not upgrade to, the wrong kind.
  assert.equal(check(r, "POST", "EIO=4&transport=sse&sid=s1", "http"), "SB_ERR_TRANSPORT_MISMATCH");
  assert.equal(
    check(r, "GET", "EIO=4&transport=jsonp&sid=s1&j=0", "http"),
    "SB_ERR_TRANSPORT_MISMATCH",
  );
  assert.equal(check(r, "GET", "EIO=4&transport=websocket&sid=s1", "http"), "SB_ERR_BAD_REQUEST");
  assert.equal(check(r, "GET", "EIO=4&transport=polling&sid=s1", "upgrade"), "SB_ERR_BAD_REQUEST");
  r.sessions.get("s1")!.terminate("forced close");
  assert.equal(check(r, "GET", "EIO=4&transport=polling&sid=s1", "http"), "SB_ERR_UNKNOWN_SID");
});

test("with upgrades off, a session's WebSocket is refused", () => {
  const r = registryWithSession({ allowUpgrades: false });
  assert.equal(
    check(r, "GET", "EIO=4&transport=websocket&sid=s1", "upgrade"),
    "SB_ERR_UPGRADE_REFUSED",
  );
  assert.equal(check(r, "GET", "EIO=4&transport=sse&sid=s1", "http"), "SB_ERR_TRANSPORT_MISMATCH");
  r.close();
});
