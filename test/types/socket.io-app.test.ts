/**
 * Type-level drop-in: socket.io-app/server.ts and client.ts are a Socket.IO 4.8 application
 * written against socket.io's and socket.io-client's public API (imports included), in strict
 * mode. They must compile against the official packages' types (so they are real Socket.IO
 * code) and, with "socket.io" and "socket.io-client" mapped to @switchboard/server and
 * @switchboard/client, against Switchboard's: the import swap that migration is.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, test } from "node:test";

const root = new URL("../../", import.meta.url).pathname;
const tsc = join(root, "node_modules/typescript/bin/tsc");

function compile(config: string): { status: number | null; output: string } {
  const run = spawnSync(
    process.execPath,
    [tsc, "-p", join(root, "test/types/socket.io-app", config)],
    {
      cwd: root,
      encoding: "utf8",
    },
  );
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe("a strict Socket.IO 4.8 application", { timeout: 300_000 }, () => {
  test("compiles against socket.io and socket.io-client 4.8", () => {
    const { status, output } = compile("tsconfig.socket.io.json");
    assert.equal(status, 0, output);
  });

  test("compiles against @switchboard/server and @switchboard/client after the import swap", () => {
    const { status, output } = compile("tsconfig.switchboard.json");
    assert.equal(status, 0, output);
  });
});
