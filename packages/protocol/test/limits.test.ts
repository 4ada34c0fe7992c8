/** resolveLimits: frozen options are resolved once; others every time; bad values throw. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { resolveLimits } from "../src/socket.ts";
import { throwsCode } from "./helpers.ts";

test("a frozen options object resolves to the same limits every time", () => {
  const options = Object.freeze({ maxAttachments: 8 });
  const first = resolveLimits(options);
  assert.deepEqual(first, { maxAttachments: 8, maxDepth: 100 });
  assert.equal(resolveLimits(options), first);
  assert.ok(Object.isFrozen(first));
});

test("a mutable options object is read afresh at each call", () => {
  const options: { maxAttachments: number } = { maxAttachments: 8 };
  assert.equal(resolveLimits(options).maxAttachments, 8);
  options.maxAttachments = 9;
  assert.equal(resolveLimits(options).maxAttachments, 9);
});

test("a frozen options object with a bad limit throws at every call", () => {
  const options = Object.freeze({ maxDepth: 0 });
  for (let i = 0; i < 2; i++) throwsCode(() => resolveLimits(options), "SB_ERR_BAD_OPTION");
});
