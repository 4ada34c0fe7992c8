#!/usr/bin/env node
// Builds the CommonJS twin of a package's ESM entry points, for consumers that `require()` it:
// for each entry of the package's `exports` that names both a "source" file and a "require"
// target, esbuild bundles that source into that target (format cjs, platform node). Other
// packages stay `require()` calls (one copy of each package, whichever format loads it); the
// package's own `#imports` are resolved with the "source" condition and bundled in.
// Usage (from a package directory, after `tsc -b`): node ../../scripts/build-cjs.mjs
import { readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { build } from "esbuild";

const dir = process.cwd();
const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));

/**
 * Every exports entry with a "source" file and, beside it or under its "node" branch, a
 * "require" branch: [source, require branch, import branch].
 */
function entries(node, found = []) {
  if (typeof node !== "object" || node === null) return found;
  if (typeof node.source === "string") {
    const branch = node.node ?? node;
    if (branch.require) found.push([node.source, branch.require, branch.import]);
    return found;
  }
  for (const value of Object.values(node)) entries(value, found);
  return found;
}

const list = entries(pkg.exports);
if (list.length === 0) throw new Error(`${pkg.name}: no exports entry with "source" and "require"`);
for (const [source, cjs, esm] of list) {
  await build({
    entryPoints: [join(dir, source)],
    outfile: join(dir, cjs.default),
    bundle: true,
    packages: "external",
    platform: "node",
    format: "cjs",
    target: "node20",
    conditions: ["source"],
    // `import.meta.url` (a module finding files beside it or in a dependency) is this file's
    // URL in the CommonJS build too, instead of undefined.
    define: { "import.meta.url": "__sbImportMetaUrl" },
    banner: { js: 'const __sbImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
    sourcemap: true,
    logLevel: "warning",
  });
  // The CommonJS view of the ESM build's declarations (TypeScript reads a .d.cts as CommonJS).
  if (cjs.types && esm?.types) {
    const from = `./${basename(esm.types).replace(/\.d\.ts$/, ".js")}`;
    writeFileSync(join(dir, cjs.types), `export * from "${from}";\n`);
  }
}
console.log(`${pkg.name}: CommonJS ${list.map(([, cjs]) => cjs.default).join(", ")}`);
