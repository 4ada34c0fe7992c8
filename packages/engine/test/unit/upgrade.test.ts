/**
 * One upgrade attempt (upgrade.ts) on a real sse transport over loopback: `2probe` in a POST,
 * `3probe` down the stream, `5` completes; anything else, or the timeout, abandons it.
 */
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import {
  type EngineError,
  resolveEngineOptions,
  type ServerTransport,
  transportRegistry,
} from "../../src/index.js";
import { SseTransport } from "../../src/transports/sse.js";
import { offeredUpgrades, UpgradeAttempt } from "../../src/upgrade.js";
import { send } from "../helpers.js";
import { RawStream } from "../stream-helpers.js";
import { type Loopback, loopback, requestOf } from "./loopback.js";

test("a handshake is offered websocket, and this project's transports only if it names them", () => {
  const allowed = ["websocket", "sse"];
  const plain = requestOf("GET", "/engine.io/?EIO=4&transport=polling");
  const named = requestOf("GET", "/engine.io/?EIO=4&transport=polling&upgrades=sse,jsonp");
  assert.deepEqual(offeredUpgrades(allowed, plain), ["websocket"]);
  assert.deepEqual(offeredUpgrades(allowed, named), ["websocket", "sse"]);
  assert.deepEqual(offeredUpgrades(["sse"], plain), []);
  assert.deepEqual(offeredUpgrades([], named), []);
});

let server: Loopback | undefined;
let stream: RawStream | undefined;
afterEach(async () => {
  stream?.destroy();
  await server?.close();
  server = stream = undefined;
});

/** An attempt onto a new sse transport whose stream is open; reports what its hooks heard. */
async function attempt(timeout = 10_000) {
  const options = resolveEngineOptions({}, new Set(transportRegistry.keys()));
  const transport = new SseTransport({ options, decorateHeaders: () => {} }, false);
  server = await loopback((req, res) => transport.handleRequest(req, res));
  const heard: string[] = [];
  let ended: (outcome: string) => void = () => {};
  const outcome = new Promise<string>((resolve) => {
    ended = resolve;
  });
  // As in a session: the attempt starts once the new stream's GET has arrived.
  stream = await RawStream.open(server.port, "/");
  const upgrade = new UpgradeAttempt(transport, timeout, {
    probed: (t: ServerTransport) => heard.push(`probed ${t.name}`),
    complete: (t: ServerTransport) => ended(`complete ${t.name}`),
    failed: (error: EngineError) => ended(`failed ${error.code}`),
  });
  const post = (body: string) => send(server!.port, "POST", "/", { body });
  return { upgrade, heard, outcome, post, stream };
}

test("2probe, 3probe, 5: the attempt completes onto the new transport", async () => {
  const { upgrade, heard, outcome, post, stream } = await attempt();
  assert.equal(upgrade.state, "probing");
  assert.equal((await post("2probe")).text, "ok");
  await stream.until((text) => text.includes("data: 3probe"));
  assert.equal(upgrade.state, "probed");
  assert.deepEqual(heard, ["probed sse"]);
  await post("5");
  assert.equal(await outcome, "complete sse");
});

test("a packet out of turn abandons the attempt and closes the new transport", async () => {
  const { upgrade, outcome, post, stream } = await attempt();
  await post("5");
  assert.equal(await outcome, "failed SB_ERR_UPGRADE_FAILED");
  await stream.ended;
  assert.equal(upgrade.state, "probing");
});

test("upgradeTimeout abandons an attempt that never probes", async () => {
  const { heard, outcome, stream } = await attempt(20);
  assert.equal(await outcome, "failed SB_ERR_UPGRADE_TIMEOUT");
  await stream.ended;
  assert.deepEqual(heard, []);
});
