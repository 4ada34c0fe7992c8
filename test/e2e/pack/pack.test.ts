/**
 * The packages as someone outside this repository gets them. A copy of the working tree (what a
 * clone holds) is installed with `npm ci`, which must build it (the root `prepare`): importing a
 * package right after install must not fail with ERR_MODULE_NOT_FOUND. Then `npm pack` of every
 * package under packages/* (found, not listed), and a fresh project outside the repository
 * installs the tarballs (our packages from the tarballs only; `ws` and the like from the npm
 * cache, `--prefer-offline`) and runs the README's five-minute example there, server and client
 * from the installed tarballs, once as ES modules and once as CommonJS, each type-checked
 * against the installed declarations first.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

const repo = new URL("../../../", import.meta.url).pathname;
const tsc = join(repo, "node_modules/typescript/bin/tsc");
const npmFlags = ["--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"];

/** Runs a command to completion; throws with its output when it fails. */
function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    return execFileSync(cmd, args, {
      cwd,
      encoding: "utf8",
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(" ")} failed in ${cwd}:\n${e.stdout}\n${e.stderr}`);
  }
}

/** The fenced code block of the README that starts with `firstLine`. */
function readmeBlock(readme: string, firstLine: string): string {
  const start = readme.indexOf(`\n${firstLine}\n`);
  assert.ok(start > 0, `README has a code block starting with ${firstLine}`);
  const end = readme.indexOf("\n```", start + 1);
  return readme.slice(start + 1, end + 1);
}

/** Replaces exactly one occurrence, so that an edit of the README fails here, loudly. */
function replaceOnce(text: string, from: string, to: string): string {
  assert.equal(text.split(from).length, 2, `exactly one ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

/** A Node client of the example: two sockets, one sends "chat", the other must receive it. */
const clientSource = `import { io } from "@switchboard/client";

const url = process.argv[2]!;
const alice = io(url, { transports: ["websocket"] });
const bob = io(url, { transports: ["polling"], forceNew: true });
await Promise.all([alice, bob].map((s) => new Promise<void>((r) => s.once("connect", () => r()))));
const received = new Promise<string>((resolve) => bob.once("chat", resolve));
const delivered = await new Promise<boolean>((resolve) => alice.emit("chat", "hello", resolve));
console.log(JSON.stringify({ delivered, received: await received, entry: ENTRY }));
alice.disconnect();
bob.disconnect();
`;

/** Starts a compiled example server (PORT=0); resolves with its port once it listens. */
async function startServer(
  file: string,
  cwd: string,
): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, [file], { cwd, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stderr!.setEncoding("utf8").on("data", (c: string) => {
    err += c;
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.setEncoding("utf8").on("data", (c: string) => {
      out += c;
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once("exit", (code) => reject(new Error(`${file} exited (${code}): ${err}`)));
  });
  return { port, child };
}

describe("npm pack: the packages outside this repository", { timeout: 900_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), "sb-pack-"));
  const clone = join(work, "clone");
  const tarballs = join(work, "tarballs");
  const app = join(work, "app");
  const servers: ChildProcess[] = [];
  let packages: string[] = [];

  before(() => {
    // What a clone holds: tracked and new files, without node_modules, dist or anything ignored.
    const files = run("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], repo)
      .split("\0")
      .filter(Boolean);
    for (const file of files) {
      try {
        cpSync(join(repo, file), join(clone, file));
      } catch (error) {
        // A file deleted in the working tree but still in the index is not part of the clone.
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
    }
    packages = readdirSync(join(clone, "packages")).sort();
  });
  after(() => {
    for (const child of servers) child.kill();
    rmSync(work, { recursive: true, force: true });
  });

  test("npm ci builds the packages: each imports right after install", () => {
    run("npm", ["ci", ...npmFlags], clone);
    for (const dir of packages) {
      const { name } = JSON.parse(
        readFileSync(join(clone, "packages", dir, "package.json"), "utf8"),
      );
      const esm = `import(${JSON.stringify(name)}).then((m) => console.log(Object.keys(m).length))`;
      assert.ok(Number(run(process.execPath, ["-e", esm], clone)) > 0, `${name} as ESM`);
      const cjs = `console.log(Object.keys(require(${JSON.stringify(name)})).length)`;
      assert.ok(Number(run(process.execPath, ["-e", cjs], clone)) > 0, `${name} as CommonJS`);
    }
  });

  test("npm pack gives one tarball per package under packages/*, with its build", () => {
    mkdirSync(tarballs);
    const packed = JSON.parse(
      run("npm", ["pack", "--workspaces", "--json", "--pack-destination", tarballs], clone),
    ) as { name: string; filename: string; files: { path: string }[] }[];
    assert.equal(packed.length, packages.length, "every directory of packages/* is packed");
    for (const entry of packed) {
      const paths = new Set(entry.files.map((f) => f.path));
      for (const required of ["package.json", "README.md", "dist/index.cjs", "dist/index.js"]) {
        const path =
          entry.name === "@switchboard/client" ? required.replace("index", "index.node") : required;
        assert.ok(paths.has(path), `${entry.name} packs ${path}`);
      }
      assert.ok(
        [...paths].some((p) => p.endsWith(".d.ts")) && [...paths].some((p) => p.endsWith(".d.cts")),
        `${entry.name} packs its declarations`,
      );
      assert.ok(![...paths].some((p) => p.includes("test/")), `${entry.name} packs no tests`);
    }
    const client = packed.find((p) => p.name === "@switchboard/client")!;
    assert.ok(
      client.files.some((f) => f.path === "dist/switchboard.min.js"),
      "the browser bundle",
    );
  });

  test("a fresh project installs the tarballs and runs the README example, ESM and CommonJS", async () => {
    mkdirSync(app);
    writeFileSync(
      join(app, "package.json"),
      JSON.stringify({ name: "sb-consumer", private: true, type: "module" }),
    );
    const files = readdirSync(tarballs).map((f) => join(tarballs, f));
    run("npm", ["install", ...npmFlags, ...files], app);

    const readme = readFileSync(join(repo, "README.md"), "utf8");
    let server = readmeBlock(readme, "// server.ts");
    server = replaceOnce(server, "httpServer.listen(3000);", "httpServer.listen(0);");
    server += `httpServer.on("listening", () => {
  console.log("listening", (httpServer.address() as import("node:net").AddressInfo).port);
});
`;
    const page = readmeBlock(readme, "<!-- index.html -->");
    writeFileSync(join(app, "index.html"), page);
    // One source, two module systems: a .ts file is ESM here ("type": "module"), a .cts is
    // CommonJS (the compiler turns its imports into require()).
    writeFileSync(join(app, "server.ts"), server);
    writeFileSync(join(app, "server.cts"), server);
    writeFileSync(join(app, "client.ts"), clientSource.replace("ENTRY", "import.meta.url"));
    writeFileSync(
      join(app, "client.cts"),
      clientSource
        .replace("ENTRY", 'require.resolve("@switchboard/client")')
        // CommonJS has no top-level await.
        .replace(/^(const alice[\s\S]*)$/m, "(async () => {\n$1})();\n"),
    );
    writeFileSync(
      join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: "nodenext",
          target: "es2022",
          outDir: "out",
          skipLibCheck: false,
          typeRoots: [join(repo, "node_modules/@types")],
          types: ["node"],
        },
        files: ["server.ts", "server.cts", "client.ts", "client.cts"],
      }),
    );
    // Types: the installed declarations (.d.ts for import, .d.cts for require) check strictly.
    run(process.execPath, [tsc, "-p", "."], app);
    const cjsServer = readFileSync(join(app, "out/server.cjs"), "utf8");
    assert.match(cjsServer, /require\("@switchboard\/server"\)/);

    for (const [serverFile, clientFile] of [
      ["out/server.js", "out/client.js"],
      ["out/server.cjs", "out/client.cjs"],
    ] as const) {
      const { port, child } = await startServer(serverFile, app);
      servers.push(child);
      const url = `http://127.0.0.1:${port}`;
      // The page and the browser bundle, served from the installed client package.
      assert.equal(await (await fetch(`${url}/`)).text(), page);
      const bundle = await (await fetch(`${url}/switchboard.min.js`)).text();
      const installed = readFileSync(
        join(app, "node_modules/@switchboard/client/dist/switchboard.min.js"),
        "utf8",
      );
      assert.equal(bundle, installed);
      assert.match(bundle, /\bio\b/);
      const result = JSON.parse(run(process.execPath, [clientFile, url], app)) as {
        delivered: boolean;
        received: string;
        entry: string;
      };
      assert.equal(result.delivered, true);
      assert.equal(result.received, "hello");
      if (clientFile.endsWith(".cjs")) {
        assert.match(result.entry, /node_modules\/@switchboard\/client\/dist\/index\.node\.cjs$/);
      }
      child.kill();
      await once(child, "exit");
    }
  });
});
