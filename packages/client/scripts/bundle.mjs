#!/usr/bin/env node
// Builds the browser bundle dist/switchboard.min.js (IIFE defining the global `io`, all five
// transports) with esbuild, beside it dist/switchboard.js (the same, unminified) and
// dist/switchboard.esm.min.js (an ES module exporting `io`), each with its source map, then
// checks the bundle's size: the build fails when the minified and gzipped bundle exceeds the
// budget. `--check-only` measures an existing bundle;
// `--no-size-check` only builds; `--out <path>` writes elsewhere (tests, to the current sources).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

/**
 * Budget for min+gzip (gzip level 9), in bytes (socket.io.min.js 4.8, measured the same way:
 * about 14,800). `SB_BUDGET` lowers it, for the test that proves the check fails a build.
 */
export const BUDGET = Math.min(10_800, Number(process.env.SB_BUDGET ?? Number.POSITIVE_INFINITY));

const root = fileURLToPath(new URL("..", import.meta.url));
const outAt = process.argv.indexOf("--out");
/** Where the bundle goes: dist/switchboard.min.js, or `--out <path>` (tests build elsewhere). */
const outfile = outAt > 0 ? process.argv[outAt + 1] : `${root}dist/switchboard.min.js`;

/**
 * Leaves debug logging (and the Node-only code of {@link dropNodeOnly}) out of the minified bundle (as socket.io.min.js does): removes each
 * `debug(...);` statement and the logger's creation from the client's sources as esbuild
 * loads them. Sources on disk and the ESM build keep their logging.
 */
const stripDebug = {
  name: "strip-debug",
  setup(b) {
    b.onLoad({ filter: /packages\/client\/src\/.*\.ts$/ }, async (args) => {
      const { readFile } = await import("node:fs/promises");
      let text = await readFile(args.path, "utf8");
      text = text.replace(/^const debug = createDebug\([^)]*\);$/m, "");
      text = text.replace(/^import \{ createDebug \} from "[^"]*";$/m, "");
      let out = "";
      let i = 0;
      for (;;) {
        const at = text.indexOf("debug(", i);
        const start = at < 0 ? -1 : at;
        if (start < 0 || /[\w.]/.test(text[start - 1] ?? "")) {
          if (start < 0) break;
          out += text.slice(i, start + 6);
          i = start + 6;
          continue;
        }
        let depth = 0;
        let j = start + 5;
        for (; j < text.length; j++) {
          const c = text[j];
          if (c === "(") depth++;
          else if (c === ")" && --depth === 0) break;
        }
        if (text[j + 1] !== ";") throw new Error(`debug call without ";" in ${args.path}`);
        out += `${text.slice(i, start)}void 0;`;
        i = j + 2;
      }
      return { contents: dropNodeOnly(out + text.slice(i)), loader: "ts" };
    });
  },
};

/**
 * Drops the code that `WEBSOCKET_FALLBACK` (false in browsers, #platform) guards: its uses
 * become `false`, which esbuild then removes with the branches they guard (it does not inline
 * the imported constant itself).
 */
function dropNodeOnly(text) {
  const using = /^import \{ WEBSOCKET_FALLBACK \} from "#platform";$/m;
  if (!using.test(text)) return text;
  return text.replace(using, "").replace(/\bWEBSOCKET_FALLBACK\b/g, "false");
}

if (!process.argv.includes("--check-only")) {
  const { build } = await import("esbuild");
  const shared = {
    bundle: true,
    platform: "browser",
    conditions: ["browser", "source"],
    target: "es2022",
    sourcemap: "external",
    legalComments: "none",
    logLevel: "warning",
  };
  const minified = {
    ...shared,
    plugins: [stripDebug],
    // Members that are neither public API nor wire format (`_name`, the HTTP transports'
    // protected members, the ack queue's fields) get short names; `_placeholder` is wire, and
    // the transport memory's `preferred` and `demoted` are kept in sessionStorage.
    mangleProps:
      /^(_.+|downBusy|checkPaused|receiveText|simplePost|receive|start|stop|state|ctx|withError|tries|probed|upgraded|failed|session|args|flags|params|emitReserved|begin|load|element|index|answered|fail|restart|node)$/,
    reserveProps: /^_placeholder$/,
    minify: true,
  };
  await build({
    ...minified,
    entryPoints: [`${root}src/bundle.browser.ts`],
    outfile,
    format: "iife",
  });
  if (outAt < 0) {
    // Beside it, what a server serves as Socket.IO serves socket.io.js and socket.io.esm.min.js:
    // the same IIFE unminified (with its debug logging), and the module build of `io`.
    await build({
      ...shared,
      entryPoints: [`${root}src/bundle.browser.ts`],
      outfile: `${root}dist/switchboard.js`,
      format: "iife",
    });
    await build({
      ...minified,
      entryPoints: [`${root}src/index.browser.ts`],
      outfile: `${root}dist/switchboard.esm.min.js`,
      format: "esm",
    });
  }
}

if (process.argv.includes("--no-size-check")) process.exit(0);
const code = readFileSync(outfile);
const gzipped = gzipSync(code, { level: 9 }).length;
const line = `switchboard.min.js: ${code.length} bytes minified, ${gzipped} bytes min+gzip (budget ${BUDGET})`;
if (gzipped > BUDGET) {
  console.error(`${line}: OVER BUDGET`);
  console.error(`  of which @switchboard/protocol alone: ~${await protocolShare()} bytes min+gzip`);
  process.exit(1);
}
console.log(line);

/** Size of the protocol codecs the client uses, bundled alone (to tell whose code grew). */
async function protocolShare() {
  const { build } = await import("esbuild");
  const names = [
    "decodeEnginePacket",
    "decodeEnginePayload",
    "encodeEnginePacket",
    "encodeEnginePayloadAsync",
    "encodeSocketPacket",
    "SocketDecoder",
  ];
  const result = await build({
    stdin: {
      contents: `import { ${names} } from "@switchboard/protocol"; globalThis.p = [${names}];`,
      resolveDir: root,
    },
    bundle: true,
    write: false,
    format: "iife",
    conditions: ["browser", "source"],
    target: "es2022",
    minify: true,
  });
  return gzipSync(result.outputFiles[0].contents, { level: 9 }).length;
}
