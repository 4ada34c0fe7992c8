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
  #child: ChildProcess | undefined;

  private constructor(port: number, dir: string) {
    this.port = port;
    this.dir = dir;
  }

  /** `redis://127.0.0.1:<port>` */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Whether the child is running. */
  get running(): boolean {
    return this.#child !== undefined;
  }

  /** Starts a redis-server on a free loopback port and waits until it accepts connections. */
  static async start(): Promise<RedisServer> {
    if (!existsSync(REDIS_SERVER_BIN)) {
      throw new Error(`${REDIS_SERVER_BIN} is missing: install Debian's redis-server package`);
    }
    const dir = mkdtempSync(join(tmpdir(), "switchboard-redis-"));
    for (let attempt = 0; ; attempt++) {
      const server = new RedisServer(await freePort(), dir);
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
