import assert from "node:assert/strict";
import { test } from "node:test";
import { BadOptionError, SwitchboardError } from "@switchboard/protocol";
import { ServerError, ServerErrorCode, serverErrors } from "@switchboard/server";

test("every catalogue entry's class, name and code agree", () => {
  const codes = new Set<string>();
  for (const entry of serverErrors) {
    const err = entry.make();
    assert.ok(err instanceof SwitchboardError);
    assert.ok(err instanceof ServerError || err instanceof BadOptionError);
    assert.ok(err instanceof Error);
    assert.equal(err.name, entry.name);
    assert.equal(err.constructor.name, entry.name);
    assert.equal(err.code, entry.code);
    assert.match(err.code, /^SB_ERR_[A-Z_]+$/);
    assert.ok(err.message.length > 0);
    codes.add(err.code);
  }
  assert.deepEqual([...codes].sort(), Object.values(ServerErrorCode).sort());
});
