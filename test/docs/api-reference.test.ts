/**
 * The API reference (docs/api/, `npm run docs`): every public declaration of every package
 * under packages/* has a doc comment, except the known gaps listed in docs/api/undocumented.txt
 * (a list that may only shrink); the generator renders a page per package with every export;
 * each package README links to its page.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
// @ts-expect-error: a plain JavaScript module of the repository's scripts, without types
import { renderDoc, undocumented } from "../../scripts/docs-render.mjs";

const root = new URL("../../", import.meta.url).pathname;
const packages = readdirSync(join(root, "packages")).sort();

describe("API reference", { timeout: 300_000 }, () => {
  const out = mkdtempSync(join(tmpdir(), "sb-api-"));
  after(() => rmSync(out, { recursive: true, force: true }));

  test("generated from fresh declarations: one page per package, no new undocumented export", () => {
    // Declarations of the current sources (incremental: quick when they are up to date).
    const dirs = packages.map((dir) => join("packages", dir));
    execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-b", ...dirs], {
      cwd: root,
      stdio: "inherit",
    });
    const run = spawnSync(process.execPath, [join(root, "scripts/docs.mjs"), "--out", out], {
      cwd: root,
      encoding: "utf8",
    });
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    for (const dir of packages) {
      const page = readFileSync(join(out, `${dir}.md`), "utf8");
      const { name } = JSON.parse(
        readFileSync(join(root, "packages", dir, "package.json"), "utf8"),
      );
      assert.match(page, new RegExp(`^# ${name}: API reference`));
    }
    const server = readFileSync(join(out, "server.md"), "utf8");
    // Classes, their methods and options with their defaults are all there.
    for (const heading of ["### Server", "#### Server.of()", "#### ServerOptions.connectTimeout"]) {
      assert.ok(server.includes(`\n${heading}\n`), heading);
    }
    assert.match(server, /#### ServerOptions\.connectTimeout\n[\s\S]*?\*\*Default:\*\* `45000`/);
  });

  test("an export or a member without a doc comment is found", () => {
    const model = {
      members: [
        {
          kind: "EntryPoint",
          members: [
            { kind: "Class", name: "Documented", docComment: "/** yes */", members: [] },
            { kind: "Function", name: "bare", members: [] },
            {
              kind: "Interface",
              name: "Options",
              docComment: "/** The options. */",
              members: [
                { kind: "PropertySignature", name: "a", docComment: "/** A. @default 1 */" },
                { kind: "PropertySignature", name: "b" },
              ],
            },
            // Overloads: the comment on the first signature documents the name.
            { kind: "Function", name: "over", docComment: "/** Two ways. */", members: [] },
            { kind: "Function", name: "over", members: [] },
            { kind: "TypeAlias", name: "Clash_2", members: [] },
          ],
        },
      ],
    };
    assert.deepEqual(undocumented(model, { name: "pkg" }), [
      "pkg Clash",
      "pkg Options.b",
      "pkg bare",
    ]);
  });

  test("doc comments render as Markdown: links, parameters, defaults, returns, throws", () => {
    const doc = renderDoc(
      [
        "/**",
        " * Sends to {@link Socket} or {@link Room | a room}.",
        " * @param event - the name",
        " * @param args the values",
        " * @default 45000",
        " * @returns true",
        " * @throws ProtocolError when it cannot",
        " */",
      ].join("\n"),
    );
    assert.equal(
      doc,
      [
        "Sends to `Socket` or a room (`Room`).",
        "",
        "Parameters:\n\n- `event`: the name\n- `args`: the values",
        "",
        "**Default:** `45000`",
        "",
        "**Returns:** true",
        "",
        "**Throws:** ProtocolError when it cannot",
      ].join("\n"),
    );
  });

  test("each package README links to its page, and the committed pages exist", () => {
    for (const dir of packages) {
      const readme = readFileSync(join(root, "packages", dir, "README.md"), "utf8");
      assert.ok(readme.includes(`](../../docs/api/${dir}.md)`), `packages/${dir}/README.md`);
      assert.ok(existsSync(join(root, "docs/api", `${dir}.md`)), `docs/api/${dir}.md`);
    }
  });
});
