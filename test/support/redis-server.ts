/**
 * A real redis-server for tests: started as a child of the test process on a free loopback
 * port, without persistence, in its own temporary directory. It can be stopped and restarted
 * on the same port (outage tests) and is always killed at the end: by `close()`, and by an
 * exit hook if a test forgot or crashed.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Where Debian's redis-server package puts the binary (`scripts/test.mjs` installs it). */
export const REDIS_SERVER_BIN = "/usr/bin/redis-server";

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/** A free TCP port on 127.0.0.1 (taken by the OS for port 0, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** One redis-server child. */
export class RedisServer {
  readonly port: number;
  readonly dir: string;
  readonly #extraArgs: readonly string[];
  #child: ChildProcess | undefined;

  private constructor(port: number, dir: string, extraArgs: readonly string[]) {
    this.port = port;
    this.dir = dir;
    this.#extraArgs = extraArgs;
  }

  /** `redis://127.0.0.1:<port>` */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** The child's process id while it runs. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Whether the child is running. */
  get running(): boolean {
    return this.#child !== undefined;
  }

  /**
   * Starts a redis-server on a free loopback port and waits until it accepts connections.
   * `extraArgs(port)` adds command-line settings (e.g. cluster mode).
   */
  static async start(
    extraArgs: (port: number) => Promise<string[]> | string[] = () => [],
  ): Promise<RedisServer> {
    if (!existsSync(REDIS_SERVER_BIN)) {
      throw new Error(`${REDIS_SERVER_BIN} is missing: install Debian's redis-server package`);
    }
    const dir = mkdtempSync(join(tmpdir(), "switchboard-redis-"));
    for (let attempt = 0; ; attempt++) {
      const port = await freePort();
      const server = new RedisServer(port, dir, await extraArgs(port));
      try {
        await server.restart();
        return server;
      } catch (err) {
        // another process took the port between freePort() and redis' bind: try another
        if (attempt >= 4) {
          rmSync(dir, { recursive: true, force: true });
          throw err;
        }
      }
    }
  }

  /** Starts the child again on the same port (after `stop()`). */
  async restart(): Promise<void> {
    if (this.#child) return;
    const child = spawn(
      REDIS_SERVER_BIN,
      [
        "--port",
        String(this.port),
        "--bind",
        "127.0.0.1",
        "--dir",
        this.dir,
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "no",
        "--protected-mode",
        "yes",
        "--loglevel",
        "notice",
        ...this.#extraArgs,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    running.add(child);
    let log = "";
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        log += chunk.toString();
        if (log.includes("Ready to accept connections")) {
          child.stdout?.off("data", onData);
          child.stdout?.resume();
          resolve();
        }
      };
      child.stdout?.on("data", onData);
      child.stderr?.resume();
      child.once("exit", (code, signal) => {
        running.delete(child);
        reject(new Error(`redis-server exited (${code ?? signal}) before it was ready:\n${log}`));
      });
    });
    child.once("exit", () => running.delete(child));
    this.#child = child;
  }

  /** Stops the child (SIGKILL: an outage, not a shutdown) and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, "exit");
      child.kill("SIGKILL");
      await exited;
    }
    running.delete(child);
  }

  /** Stops the child for good and removes its directory. */
  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A Redis Cluster of `masters` redis-server children (no replicas), each on a free loopback
 * port with its cluster bus on another free port, joined by `redis-cli --cluster create`.
 */
export class RedisCluster {
  readonly servers: readonly RedisServer[];

  private constructor(servers: RedisServer[]) {
    this.servers = servers;
  }

  /** `{ host, port }` of every node, as cluster clients take them. */
  get nodes(): { host: string; port: number }[] {
    return this.servers.map((s) => ({ host: "127.0.0.1", port: s.port }));
  }

  static async start(masters = 3): Promise<RedisCluster> {
    const servers: RedisServer[] = [];
    try {
      for (let i = 0; i < masters; i++) {
        servers.push(
          await RedisServer.start(async (port) => [
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            `nodes-${port}.conf`,
            "--cluster-port",
            String(await freePort()),
          ]),
        );
      }
      const create = spawn(
        "redis-cli",
        [
          "--cluster",
          "create",
          ...servers.map((s) => `127.0.0.1:${s.port}`),
          "--cluster-replicas",
          "0",
          "--cluster-yes",
        ],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      let out = "";
      create.stdout?.on("data", (c: Buffer) => (out += c.toString()));
      create.stderr?.on("data", (c: Buffer) => (out += c.toString()));
      const [code] = (await once(create, "exit")) as [number | null];
      if (code !== 0) throw new Error(`redis-cli --cluster create failed:\n${out}`);
      const cluster = new RedisCluster(servers);
      for (const s of servers) await cluster.#untilOk(s.port);
      return cluster;
    } catch (err) {
      for (const s of servers) await s.close();
      throw err;
    }
  }

  /** Polls CLUSTER INFO until the node reports cluster_state:ok (it has no event for it). */
  async #untilOk(port: number): Promise<void> {
    for (;;) {
      const info = spawn("redis-cli", ["-p", String(port), "cluster", "info"], {
        stdio: ["ignore", "pipe", "ignore"],
      });
      let out = "";
      info.stdout?.on("data", (c: Buffer) => (out += c.toString()));
      await once(info, "exit");
      if (out.includes("cluster_state:ok")) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async close(): Promise<void> {
    for (const s of this.servers) await s.close();
  }
}
