/** resolveLimits: options that set nothing share the defaults; others are merged and checked. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultSocketCodecLimits, resolveLimits } from "../src/socket.ts";
import { throwsBadOption } from "./helpers.ts";

test("no options, or options that set nothing, give the shared default limits", () => {
  assert.equal(resolveLimits(undefined), defaultSocketCodecLimits);
  assert.equal(resolveLimits({}), defaultSocketCodecLimits);
  assert.equal(resolveLimits(Object.freeze({})), defaultSocketCodecLimits);
});

test("options that set a limit are merged over the defaults, frozen", () => {
  const limits = resolveLimits({ maxAttachments: 8 });
  assert.deepEqual(limits, { maxAttachments: 8, maxDepth: 100 });
  assert.ok(Object.isFrozen(limits));
});

test("a bad limit throws", () => {
  throwsBadOption(() => resolveLimits({ maxDepth: 0 }));
  throwsBadOption(() => resolveLimits({ maxAttachments: 1.5 }));
});
