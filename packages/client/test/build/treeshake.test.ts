/**
 * The ESM build is tree-shakable: a bundle that imports one transport from
 * `@switchboard/client/core` carries none of the others.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const src = fileURLToPath(new URL("../../src/", import.meta.url));

async function bundle(contents: string): Promise<string> {
  const result = await build({
    stdin: { contents, resolveDir: src, loader: "ts" },
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    conditions: ["browser", "source"],
    minify: false,
  });
  return result.outputFiles[0]!.text;
}

/** A string that appears in the code of each transport, and only there. */
const markers = {
  websocket: "new WebSocket(",
  sse: "new EventSource(",
  polling: 'transportName: "polling"',
  jsonp: 'load("script"',
  htmlfile: 'load("iframe"',
};

test("core + websocket only: the other four transports drop out", async () => {
  const code = await bundle(
    `import { io, websocket } from "./core.browser.ts"; io("/", { transports: [websocket] });`,
  );
  assert.ok(code.includes(markers.websocket));
  for (const name of ["sse", "polling", "jsonp", "htmlfile"] as const) {
    assert.ok(!code.includes(markers[name]), `${name} is in the bundle`);
  }
});

test("core + polling + sse: websocket, jsonp and htmlfile drop out", async () => {
  const code = await bundle(
    `import { io, polling, sse } from "./core.browser.ts"; io("/", { transports: [sse, polling] });`,
  );
  assert.ok(code.includes(markers.sse) && code.includes(markers.polling));
  for (const name of ["websocket", "jsonp", "htmlfile"] as const) {
    assert.ok(!code.includes(markers[name]), `${name} is in the bundle`);
  }
});

test("the default entry carries all five", async () => {
  const code = await bundle(`import { io } from "./index.browser.ts"; io("/");`);
  for (const [name, marker] of Object.entries(markers)) {
    assert.ok(code.includes(marker), `${name} is missing`);
  }
});
