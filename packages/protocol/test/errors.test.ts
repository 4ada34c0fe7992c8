import assert from "node:assert/strict";
import { test } from "node:test";
import { isProtocolError, ProtocolError, ProtocolErrorCode } from "@switchboard/protocol";

test("every catalogue entry's key and code agree, and codes are unique", () => {
  const entries = Object.entries(ProtocolErrorCode);
  assert.ok(entries.length >= 14);
  for (const [key, code] of entries) {
    assert.match(key, /^[A-Z][A-Z0-9_]*$/);
    assert.equal(code, `SB_ERR_${key}`);
  }
  const codes = entries.map(([, code]) => code);
  assert.equal(new Set(codes).size, codes.length);
});

test("ProtocolError carries name, code, message and cause", () => {
  const cause = new SyntaxError("bad");
  const error = new ProtocolError(ProtocolErrorCode.BAD_JSON, "Payload is not valid JSON", {
    cause,
  });
  assert.ok(error instanceof Error);
  assert.equal(error.name, "ProtocolError");
  assert.equal(error.code, "SB_ERR_BAD_JSON");
  assert.equal(error.message, "Payload is not valid JSON");
  assert.equal(error.cause, cause);
  assert.match(String(error), /^ProtocolError: Payload is not valid JSON/);
  assert.equal(isProtocolError(error), true);
  assert.equal(isProtocolError(new Error("x")), false);
  assert.equal(isProtocolError({ code: "SB_ERR_BAD_JSON", name: "ProtocolError" }), false);
});
