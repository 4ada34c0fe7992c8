import assert from "node:assert/strict";
import { test } from "node:test";
import {
  codesOf,
  defineErrors,
  isProtocolError,
  ProtocolError,
  ProtocolErrorCode,
  SwitchboardError,
} from "@switchboard/protocol";

test("ProtocolError carries name, code, message and cause", () => {
  const cause = new SyntaxError("bad");
  const error = new ProtocolError(ProtocolErrorCode.BAD_JSON, "Payload is not valid JSON", {
    cause,
  });
  assert.ok(error instanceof SwitchboardError);
  assert.equal(error.name, "ProtocolError");
  assert.equal(error.code, "SB_ERR_BAD_JSON");
  assert.equal(error.message, "Payload is not valid JSON");
  assert.equal(error.cause, cause);
  assert.match(String(error), /^ProtocolError: Payload is not valid JSON/);
  assert.equal(isProtocolError(error), true);
  assert.equal(isProtocolError(new Error("x")), false);
  assert.equal(isProtocolError({ code: "SB_ERR_BAD_JSON", name: "ProtocolError" }), false);
});

test("defineErrors adds each entry's code and freezes the catalogue; codesOf lists the codes", () => {
  const catalogue = defineErrors({
    GONE: { message: "it went away" },
    REFUSED: { message: "Forbidden", engineCode: 4, status: 403 },
  });
  assert.deepEqual(catalogue.REFUSED, {
    message: "Forbidden",
    engineCode: 4,
    status: 403,
    code: "SB_ERR_REFUSED",
  });
  assert.ok(Object.isFrozen(catalogue) && Object.isFrozen(catalogue.GONE));
  assert.deepEqual(codesOf(catalogue), { GONE: "SB_ERR_GONE", REFUSED: "SB_ERR_REFUSED" });
});
