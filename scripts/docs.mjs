#!/usr/bin/env node
// Generates the API reference, docs/api/<package>.md, from the doc comments of every package
// under packages/*, through API Extractor's doc model (it reads the built .d.ts files: run
// `npm run build` first; `npm run docs` does both).
//
// It fails when a public declaration (an export, or a member of an exported class or
// interface) has no doc comment, unless docs/api/undocumented.txt lists it: the known gaps,
// which may only shrink. `--check` writes nothing; `--out <dir>` writes elsewhere.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Extractor, ExtractorConfig } from "@microsoft/api-extractor";
import { renderPackage, undocumented } from "./docs-render.mjs";

const root = new URL("..", import.meta.url).pathname;
const args = process.argv.slice(2);
const check = args.includes("--check");
const outAt = args.indexOf("--out");
const out = outAt >= 0 ? args[outAt + 1] : join(root, "docs/api");
const baselineFile = join(root, "docs/api/undocumented.txt");
const work = mkdtempSync(join(tmpdir(), "sb-docs-"));

/** The declaration file a Node consumer gets for `import "<name>"`. */
function entryTypes(exportsField) {
  const dot = exportsField["."];
  const branch = dot.node ?? dot;
  return (branch.import ?? branch).types;
}

/** Runs API Extractor on one package; returns its doc model as JSON. */
function extract(folder, pkg, name) {
  const apiJson = join(work, `${name}.api.json`);
  const config = ExtractorConfig.prepare({
    configObjectFullPath: join(folder, "api-extractor.json"),
    packageJsonFullPath: join(folder, "package.json"),
    configObject: {
      projectFolder: folder,
      mainEntryPointFilePath: join(folder, entryTypes(pkg.exports)),
      compiler: {
        overrideTsconfig: {
          compilerOptions: {
            target: "es2022",
            module: "nodenext",
            moduleResolution: "nodenext",
            strict: true,
            skipLibCheck: true,
            types: ["node"],
            lib: ["es2022", "dom"],
          },
        },
      },
      apiReport: { enabled: false },
      docModel: { enabled: true, apiJsonFilePath: apiJson },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      messages: {
        compilerMessageReporting: { default: { logLevel: "warning" } },
        extractorMessageReporting: { default: { logLevel: "none" } },
        // Our comments use TypeDoc's @default and free text that strict TSDoc would flag.
        tsdocMessageReporting: { default: { logLevel: "none" } },
      },
    },
  });
  const result = Extractor.invoke(config, {
    localBuild: true,
    messageCallback(message) {
      if (message.logLevel === "warning" || message.logLevel === "error") {
        console.error(`${pkg.name}: ${message.text}`);
      }
      message.handled = true;
    },
  });
  if (!result.succeeded) throw new Error(`${pkg.name}: API Extractor failed`);
  return JSON.parse(readFileSync(apiJson, "utf8"));
}

const pages = [];
const missing = [];
for (const dir of readdirSync(join(root, "packages")).sort()) {
  const folder = join(root, "packages", dir);
  const pkg = JSON.parse(readFileSync(join(folder, "package.json"), "utf8"));
  const model = extract(folder, pkg, dir);
  pages.push([dir, renderPackage(model, pkg, dir)]);
  missing.push(...undocumented(model, pkg));
}
rmSync(work, { recursive: true, force: true });

const baseline = new Set(
  readFileSync(baselineFile, "utf8")
    .split("\n")
    .filter((line) => line && !line.startsWith("#")),
);
const fresh = missing.filter((name) => !baseline.has(name));
const fixed = [...baseline].filter((name) => !missing.includes(name));
if (!check) {
  mkdirSync(out, { recursive: true });
  for (const [dir, page] of pages) writeFileSync(join(out, `${dir}.md`), page);
  console.log(`${out}: ${pages.map(([dir]) => `${dir}.md`).join(", ")}`);
}
console.log(
  `${missing.length} public declarations without a doc comment, all known gaps`.replace(
    ", all known gaps",
    fresh.length === 0 ? ", all listed in docs/api/undocumented.txt" : "",
  ),
);
if (fixed.length > 0) {
  console.log(`documented now, remove from docs/api/undocumented.txt: ${fixed.join(", ")}`);
}
if (fresh.length > 0) {
  console.error(`Public declarations without a doc comment (add one):\n  ${fresh.join("\n  ")}`);
  process.exit(1);
}
