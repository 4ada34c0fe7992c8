import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultOptions, Manager, polling, sse, websocket } from "@switchboard/client";

const url = "http://127.0.0.1:1/";

test("defaults are Socket.IO's, frozen", () => {
  assert.ok(Object.isFrozen(defaultOptions));
  const m = new Manager(url, { autoConnect: false });
  assert.equal(m.opts.path, "/socket.io/");
  assert.equal(m.opts.reconnection, true);
  assert.equal(m.opts.reconnectionAttempts, Number.POSITIVE_INFINITY);
  assert.equal(m.opts.reconnectionDelay, 1000);
  assert.equal(m.opts.reconnectionDelayMax, 5000);
  assert.equal(m.opts.randomizationFactor, 0.5);
  assert.equal(m.opts.timeout, 20000);
  assert.equal(m.opts.upgrade, true);
  assert.deepEqual(
    m.opts.transports.map((t) => t.transportName),
    ["websocket", "polling", "sse"],
  );
  assert.ok(Object.isFrozen(m.opts));
});

test("?? keeps 0 and false; undefined never erases a default", () => {
  const m = new Manager(url, {
    autoConnect: false,
    reconnectionDelay: 0,
    randomizationFactor: 0,
    upgrade: false,
    timeout: undefined,
  });
  assert.equal(m.opts.reconnectionDelay, 0);
  assert.equal(m.opts.randomizationFactor, 0);
  assert.equal(m.opts.upgrade, false);
  assert.equal(m.opts.timeout, 20000);
});

test("impossible values are refused with SB_ERR_BAD_OPTION", () => {
  for (const bad of [
    { reconnectionDelay: -1 },
    { timeout: Number.NaN },
    { randomizationFactor: 1.5 },
    { transportTimeout: "5" as unknown as number },
    { transports: ["carrier-pigeon" as "websocket"] },
  ]) {
    assert.throws(() => new Manager(url, { autoConnect: false, ...bad }), {
      name: "BadOptionError",
      code: "SB_ERR_BAD_OPTION",
    });
  }
});

test("the caller's options object is never mutated", () => {
  const options = { autoConnect: false, path: "/x", query: { a: "1" } };
  const copy = structuredClone(options);
  const m = new Manager(`${url}?b=2`, options);
  assert.deepEqual(options, copy);
  assert.equal(m.opts.path, "/x/");
  assert.deepEqual(m.opts.query, { b: "2", a: "1" });
});

test("transports restricts and orders, by name or by factory", () => {
  const m = new Manager(url, { autoConnect: false, transports: ["polling", websocket] });
  assert.deepEqual(m.opts.transports, [polling, websocket]);
  const n = new Manager(url, { autoConnect: false, transports: [sse] });
  assert.deepEqual(n.opts.transports, [sse]);
});
