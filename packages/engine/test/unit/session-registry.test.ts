/** The session registry alone: upgrade table, ids, opening and announcing sessions. */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  EngineError,
  type EngineOptions,
  resolveEngineOptions,
  type Session,
  transportRegistry,
} from "../../src/index.js";
import { SessionRegistry } from "../../src/session-registry.js";
import { requestOf } from "./loopback.js";

function registryOf(options: EngineOptions = {}) {
  const announced: Session[] = [];
  const registry = new SessionRegistry(
    resolveEngineOptions(options, new Set(transportRegistry.keys())),
    { headers: () => {}, connection: (session) => announced.push(session) },
  );
  return { registry, announced };
}

/** Opens a session on a real transport of `name` (no request reaches it: nothing is written). */
function open(registry: SessionRegistry, id: string, name: string, url: string): Session {
  const req = requestOf("GET", url);
  const factory = registry.factories.get(name);
  assert.equal(factory?.via, "http");
  const transport = factory.create(req, true);
  registry.register(id, req, transport, factory.needsOriginProof === true);
  return registry.sessions.get(id)!;
}

test("upgrades: offered transports only, none when upgrades are off", () => {
  const all = registryOf().registry;
  assert.deepEqual(all.upgradesOf("polling"), ["websocket", "sse"]);
  assert.deepEqual(all.upgradesOf("sse"), ["websocket"]);
  assert.deepEqual(all.upgradesOf("jsonp"), ["websocket"]);
  assert.deepEqual(all.upgradesOf("websocket"), []);
  assert.deepEqual(registryOf({ transports: ["polling", "sse"] }).registry.upgradesOf("polling"), [
    "sse",
  ]);
  assert.deepEqual(registryOf({ transports: ["polling"] }).registry.upgradesOf("polling"), []);
  assert.deepEqual(registryOf({ allowUpgrades: false }).registry.upgradesOf("polling"), []);
  assert.deepEqual([...all.factories.keys()], ["polling", "websocket", "sse", "jsonp", "htmlfile"]);
});

test("reserveId takes a fresh non-empty string only", () => {
  const { registry } = registryOf();
  const req = requestOf("GET", "/engine.io/?EIO=4&transport=polling");
  assert.equal(registry.reserveId(req, ""), false);
  assert.equal(registry.reserveId(req, 42), false);
  assert.equal(registry.reserveId(req, undefined), false);
  assert.equal(registry.reserveId(req, "a"), true);
  const session = open(registry, "a", "polling", "/engine.io/?EIO=4&transport=polling");
  assert.equal(registry.reserveId(req, "a"), false, "taken");
  session.terminate("forced close");
  assert.equal(registry.sessions.size, 0, "a closed session leaves the registry");
  assert.equal(registry.reserveId(req, "a"), true);
});

test("a session is announced at once; a held one only when a POST or an upgrade proves it", () => {
  const { registry, announced } = registryOf();
  const polling = open(registry, "p", "polling", "/engine.io/?EIO=4&transport=polling");
  assert.deepEqual(announced, [polling]);
  assert.equal(polling.state, "open");
  const jsonp = open(registry, "j", "jsonp", "/engine.io/?EIO=4&transport=jsonp&j=0");
  assert.equal(jsonp.state, "opening");
  assert.equal(announced.length, 1, "held: not announced");
  registry.proveOrigin(requestOf("GET", "/engine.io/?EIO=4&transport=jsonp&j=0&sid=j"), "http");
  assert.equal(announced.length, 1, "a GET proves nothing");
  registry.proveOrigin(requestOf("POST", "/engine.io/?EIO=4&transport=jsonp&sid=j"), "http");
  assert.deepEqual(announced, [polling, jsonp]);
  assert.equal(jsonp.state, "open");
  registry.proveOrigin(requestOf("POST", "/engine.io/?EIO=4&transport=jsonp&sid=j"), "http");
  assert.equal(announced.length, 2, "announced once");
  const htmlfile = open(registry, "h", "htmlfile", "/engine.io/?EIO=4&transport=htmlfile&j=0");
  registry.proveOrigin(requestOf("GET", "/engine.io/?EIO=4&transport=websocket&sid=h"), "upgrade");
  assert.deepEqual(announced, [polling, jsonp, htmlfile]);
  registry.close();
  assert.equal(registry.sessions.size, 0);
});

test("a cross-origin session loses its handshake cookie unless cors.credentials", () => {
  for (const credentials of [false, true]) {
    const { registry } = registryOf({ cors: { origin: "https://app.example", credentials } });
    const req = requestOf("GET", "/engine.io/?EIO=4&transport=polling", {
      host: "api.example",
      origin: "https://app.example",
      cookie: "a=1",
    });
    const transport = registry.factories.get("polling")!;
    assert.equal(transport.via, "http");
    registry.register("c", req, transport.create(req, true), false);
    const session = registry.sessions.get("c")!;
    assert.equal(session.request.headers.cookie, credentials ? "a=1" : undefined);
    registry.close();
  }
});

test("closeRefusedSession closes the session the request names, with the refusal", () => {
  const { registry } = registryOf();
  const session = open(registry, "s", "polling", "/engine.io/?EIO=4&transport=polling");
  const reasons: unknown[] = [];
  session.on("close", (reason, error) => reasons.push(reason, (error as { code?: string }).code));
  const refusal = new EngineError("ORIGIN_REFUSED");
  registry.closeRefusedSession(requestOf("GET", "/engine.io/?sid=other"), refusal);
  assert.equal(session.state, "open");
  registry.closeRefusedSession(requestOf("GET", "/engine.io/?sid=s"), refusal);
  assert.deepEqual(reasons, ["transport error", "SB_ERR_ORIGIN_REFUSED"]);
});
