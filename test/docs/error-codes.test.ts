/**
 * Error codes across the packages: every code a package can raise is documented in its README,
 * and every error is a SwitchboardError with a code of the documented form.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ClientError, ClientErrorCode } from "@switchboard/client";
import { EngineError, EngineErrors } from "@switchboard/engine";
import {
  BadOptionError,
  ProtocolError,
  ProtocolErrorCode,
  SwitchboardError,
} from "@switchboard/protocol";
import { ServerError, ServerErrorCode } from "@switchboard/server";

const root = new URL("../../", import.meta.url).pathname;
const readme = (dir: string) => readFileSync(join(root, "packages", dir, "README.md"), "utf8");

const catalogues: Record<string, readonly string[]> = {
  protocol: [...Object.values(ProtocolErrorCode), "SB_ERR_BAD_OPTION"],
  engine: Object.values(EngineErrors).map((entry) => entry.code),
  server: Object.values(ServerErrorCode),
  client: Object.values(ClientErrorCode),
};

for (const [dir, codes] of Object.entries(catalogues)) {
  test(`every error code of @switchboard/${dir} is documented in its README`, () => {
    const text = readme(dir);
    const missing = codes.filter((code) => !text.includes(code));
    assert.deepEqual(
      missing,
      [],
      `packages/${dir}/README.md does not mention ${missing.join(", ")}`,
    );
    for (const code of codes) assert.match(code, /^SB_ERR_[A-Z][A-Z0-9_]*$/);
  });
}

test("every package's errors share one base class, and bad options one class", () => {
  const errors = [
    new ProtocolError(ProtocolErrorCode.BAD_JSON, "x"),
    new EngineError("UNKNOWN_SID"),
    new ServerError(ServerErrorCode.ACK_TIMEOUT, "x"),
    new ClientError(ClientErrorCode.ACK_TIMEOUT),
    new BadOptionError("x"),
  ];
  for (const error of errors) {
    assert.ok(error instanceof SwitchboardError, `${error.name} is a SwitchboardError`);
    assert.ok(error instanceof Error);
  }
});
