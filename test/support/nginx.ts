/**
 * Debian's nginx as a child process: a committed config of deploy/nginx rendered with the
 * addresses of this run, run in the foreground with its own prefix, pid and temp paths in a
 * temp directory (never the system service), stopped with the process that started it. Used
 * by the nginx suites and by `npm run start:cluster` (examples/chat/cluster.ts).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Where Debian installs nginx (scripts/test.mjs installs it when missing). */
export const NGINX = "/usr/sbin/nginx";

const deployDir = new URL("../../deploy/nginx/", import.meta.url).pathname;

/**
 * Fills the envsubst placeholders (`${NAME}`) of a config. Every given name must occur and no
 * placeholder may remain, so that a renamed placeholder fails the test instead of reaching nginx.
 */
function render(template: string, values: Readonly<Record<string, string>>): string {
  let out = template;
  for (const [name, value] of Object.entries(values)) {
    const placeholder = `\${${name}}`;
    if (!out.includes(placeholder)) throw new Error(`placeholder ${placeholder} not in config`);
    out = out.split(placeholder).join(value);
  }
  const left = /\$\{[A-Z0-9_]+\}/.exec(out);
  if (left) throw new Error(`placeholder ${left[0]} left unfilled`);
  return out;
}

/**
 * Replaces exactly one occurrence of `pattern` (a hostile variant of a committed config is the
 * committed config with a few directives changed; a pattern that no longer matches fails).
 */
export function replaceOnce(text: string, pattern: RegExp, replacement: string): string {
  const flags = pattern.flags.includes("g") ? pattern.flags : `${pattern.flags}g`;
  const matches = text.match(new RegExp(pattern.source, flags)) ?? [];
  if (matches.length !== 1) {
    throw new Error(`expected one match of ${pattern} in the config, found ${matches.length}`);
  }
  return text.replace(pattern, replacement);
}

/** A loopback port that was free a moment ago (nginx cannot listen on port 0). */
async function pickPort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address() as AddressInfo;
  probe.close();
  await once(probe, "close");
  return port;
}

/** A running nginx. */
export interface RunningNginx {
  /** The master process' id. */
  readonly pid: number;
  readonly port: number;
  /** Base URL, e.g. "http://127.0.0.1:41234". */
  readonly url: string;
  /** The http-context config it runs (the rendered site), on disk while it runs. */
  readonly siteConfig: string;
  /** Everything nginx wrote on stderr so far (its error log). */
  log(): string;
  /** Resolves with nginx's exit code (null when a signal ended it) when it exits. */
  readonly exited: Promise<number | null>;
  /** Stops nginx (fast shutdown), waits for it to exit, removes its directory. */
  stop(): Promise<void>;
}

function wrapper(dir: string): string {
  // The http-context config under test is included as is; only process-level settings and
  // temp paths are the harness's own.
  return `worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr notice;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${dir}/site.conf;
}
`;
}

/**
 * Starts nginx in the foreground with `siteFor(port)` as its http-context config, on `port`
 * (or a port picked now, retried if another process takes it first). Resolves once the master
 * has bound its socket and started its worker (it logs "start worker process"); rejects with
 * nginx's log when it exits instead.
 */
async function startNginx(
  siteFor: (port: number) => string,
  fixedPort: number | undefined,
): Promise<RunningNginx> {
  const dir = await mkdtemp(join(tmpdir(), "sb-nginx-"));
  // Workers run as "nobody" when the master is root: they must reach the temp paths.
  await chmod(dir, 0o755);
  await writeFile(join(dir, "nginx.conf"), wrapper(dir));
  let lastLog = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = fixedPort ?? (await pickPort());
    await writeFile(join(dir, "site.conf"), siteFor(port));
    const child = spawn(
      NGINX,
      ["-p", dir, "-c", join(dir, "nginx.conf"), "-e", "stderr", "-g", "daemon off;"],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let log = "";
    child.stderr.setEncoding("utf8");
    const started = new Promise<boolean>((resolve) => {
      child.stderr.on("data", (chunk: string) => {
        log += chunk;
        if (log.includes("start worker process")) resolve(true);
      });
      child.once("exit", () => resolve(false));
      child.once("error", () => resolve(false));
    });
    if (await started) return running(child, port, dir, () => log);
    lastLog = log;
    // A real error, or a port the caller chose: do not retry.
    if (fixedPort !== undefined || !log.includes("Address already in use")) break;
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error(`nginx did not start:\n${lastLog}`);
}

/** Where nginx listens: an address (`"*"` for all interfaces) and a port (0: one picked now). */
export interface Listen {
  /** @default "127.0.0.1" */
  host?: string;
  /** @default 0 */
  port?: number;
}

/**
 * Starts nginx on the committed config `name` of deploy/nginx (e.g. "switchboard.conf") after
 * `edit` (a hostile variant; none by default), listening on `listen` (loopback, a free port by
 * default), with `upstreams` filling the config's other placeholders (e.g.
 * `{ SWITCHBOARD_UPSTREAM: node.address }`).
 */
export async function startDeployNginx(
  name: string,
  upstreams: Readonly<Record<string, string>>,
  edit: (conf: string) => string = (conf) => conf,
  listen: Listen = {},
): Promise<RunningNginx> {
  const template = edit(await readFile(join(deployDir, name), "utf8"));
  const host = listen.host ?? "127.0.0.1";
  return startNginx(
    (port) => render(template, { SWITCHBOARD_LISTEN: `${host}:${port}`, ...upstreams }),
    listen.port ? listen.port : undefined,
  );
}

function running(child: ChildProcess, port: number, dir: string, log: () => string): RunningNginx {
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once("exit", (code) => resolve(code));
  });
  return {
    pid: child.pid ?? 0,
    port,
    url: `http://127.0.0.1:${port}`,
    siteConfig: join(dir, "site.conf"),
    log,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
