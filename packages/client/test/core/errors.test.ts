import assert from "node:assert/strict";
import { test } from "node:test";
import { ClientError, ClientErrorCode, clientErrorMessage } from "@switchboard/client";

test("every catalogue entry: code is SB_ERR_ + its name, unique, with a message", () => {
  const entries = Object.entries(ClientErrorCode);
  assert.ok(entries.length >= 8);
  assert.equal(new Set(entries.map(([, code]) => code)).size, entries.length);
  for (const [name, code] of entries) {
    assert.equal(code, `SB_ERR_${name}`);
    assert.ok(clientErrorMessage(code).length > 0);
    const error = new ClientError(code);
    assert.equal(error.name, "ClientError");
    assert.equal(error.code, code);
    assert.equal(error.message, clientErrorMessage(code));
    assert.ok(error instanceof Error);
  }
  assert.ok(Object.isFrozen(ClientErrorCode));
});

test("messages Socket.IO applications test for are kept", () => {
  assert.equal(clientErrorMessage(ClientErrorCode.CONNECT_TIMEOUT), "timeout");
  assert.equal(clientErrorMessage(ClientErrorCode.ACK_TIMEOUT), "operation has timed out");
  assert.equal(clientErrorMessage(ClientErrorCode.DISCONNECTED), "socket has been disconnected");
});
