/**
 * Shared parts of the nginx suites: render a committed config of deploy/nginx with the ports of
 * this run, run Debian's nginx in the foreground on loopback (its own prefix, pid and temp
 * paths in a temp directory; never the system service), and Switchboard nodes on port 0.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Server, type ServerOptions } from "@switchboard/server";

/** Where Debian installs nginx (scripts/test.mjs installs it when missing). */
export const NGINX = "/usr/sbin/nginx";

const deployDir = new URL("../../../deploy/nginx/", import.meta.url).pathname;

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
  readonly port: number;
  /** Base URL, e.g. "http://127.0.0.1:41234". */
  readonly url: string;
  /** Everything nginx wrote on stderr so far (its error log). */
  log(): string;
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
 * Starts nginx in the foreground with `siteFor(port)` as its http-context config, on a port
 * picked now. Resolves once the master has bound its socket and started its worker (it logs
 * "start worker process"); rejects with nginx's log when it exits instead.
 */
async function startNginx(siteFor: (port: number) => string): Promise<RunningNginx> {
  const dir = await mkdtemp(join(tmpdir(), "sb-nginx-"));
  // Workers run as "nobody" when the master is root: they must reach the temp paths.
  await chmod(dir, 0o755);
  await writeFile(join(dir, "nginx.conf"), wrapper(dir));
  let lastLog = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await pickPort();
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
    if (!log.includes("Address already in use")) break; // a real error: do not retry
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error(`nginx did not start:\n${lastLog}`);
}

/**
 * Starts nginx on the committed config `name` of deploy/nginx (e.g. "switchboard.conf") after
 * `edit` (a hostile variant; none by default), listening on loopback, with `upstreams` filling
 * the config's other placeholders (e.g. `{ SWITCHBOARD_UPSTREAM: node.address }`).
 */
export async function startDeployNginx(
  name: string,
  upstreams: Readonly<Record<string, string>>,
  edit: (conf: string) => string = (conf) => conf,
): Promise<RunningNginx> {
  const template = edit(await readFile(join(deployDir, name), "utf8"));
  return startNginx((port) =>
    render(template, { SWITCHBOARD_LISTEN: `127.0.0.1:${port}`, ...upstreams }),
  );
}

function running(child: ChildProcess, port: number, dir: string, log: () => string): RunningNginx {
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, "exit");
        child.kill("SIGTERM");
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** One `connection_error` of a node's engine. */
export interface Refusal {
  code: number;
  message: string;
  sbCode: string | undefined;
  /** Method and URL of the refused request. */
  request: string;
}

/** A Switchboard server on its own loopback port, with the refusals its engine reported. */
export interface SwitchboardNode {
  readonly tag: string;
  readonly io: Server;
  readonly port: number;
  /** `host:port`, as an nginx `server` line wants it. */
  readonly address: string;
  /** Engine refusals (`connection_error`), by Engine.IO code and message. */
  readonly refusals: Refusal[];
  /** Sockets connected to this node so far. */
  connections: number;
  /** Resolves once the node has no engine session left; rejects after `ms`. */
  whenIdle(ms: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts a Switchboard server whose session ids carry `tag`. Each socket gets a "welcome" event
 * naming the node, and "echo" acks `{ node, data }`.
 */
export async function startNode(
  tag: string,
  options: ServerOptions = {},
): Promise<SwitchboardNode> {
  const http: HttpServer = createServer();
  const io = new Server(http, { nodeTag: tag, ...options });
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  const { port } = http.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  const node: SwitchboardNode = {
    tag,
    io,
    port,
    address: `127.0.0.1:${port}`,
    refusals: [],
    connections: 0,
    whenIdle(ms) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (io.engine.clientsCount > 0) return;
          clearTimeout(timer);
          idleWaiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          idleWaiters.delete(check);
          reject(new Error(`node ${tag}: ${io.engine.clientsCount} sessions left after ${ms} ms`));
        }, ms);
        idleWaiters.add(check);
        check();
      });
    },
    close() {
      // Closes the sockets, the engine and the http server; once, however often it is called.
      closing ??= io.close();
      return closing;
    },
  };
  io.engine.on("connection_error", (err) => {
    const sbCode = typeof err.context.sbCode === "string" ? err.context.sbCode : undefined;
    const request = `${err.req.method} ${err.req.url} ${err.req.headers["user-agent"] ?? ""}`;
    node.refusals.push({ code: err.code, message: err.message, sbCode, request });
  });
  const idleWaiters = new Set<() => void>();
  io.engine.on("connection", (session) => {
    // After the engine's own close listener has removed the session from its count.
    session.on("close", () =>
      setImmediate(() => {
        for (const check of [...idleWaiters]) check();
      }),
    );
  });
  io.on("connection", (socket) => {
    node.connections++;
    socket.emit("welcome", tag);
    socket.on("echo", (data: unknown, ack: unknown) => {
      if (typeof ack === "function") ack({ node: tag, data });
    });
  });
  return node;
}
