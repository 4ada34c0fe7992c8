/** Helpers shared by the protocol tests. */
import assert from "node:assert/strict";
import { ProtocolError, type ProtocolErrorCode } from "@switchboard/protocol";

/** Asserts that `fn` throws a ProtocolError with exactly this code. */
export function throwsCode(fn: () => unknown, code: ProtocolErrorCode): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ProtocolError, `not a ProtocolError: ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}
