/** Helpers shared by the protocol tests. */
import assert from "node:assert/strict";
import { BadOptionError, ProtocolError, type ProtocolErrorCode } from "@switchboard/protocol";

/** Asserts that `fn` throws a ProtocolError with exactly this code. */
export function throwsCode(fn: () => unknown, code: ProtocolErrorCode): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ProtocolError, `not a ProtocolError: ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}

/** Asserts that `fn` throws the BadOptionError every package uses for impossible options. */
export function throwsBadOption(fn: () => unknown): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof BadOptionError, `not a BadOptionError: ${String(error)}`);
    assert.equal(error.code, "SB_ERR_BAD_OPTION");
    return true;
  });
}
