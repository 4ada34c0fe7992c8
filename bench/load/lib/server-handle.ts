/**
 * Harness side of a server child: starts bench/load/server.ts for one target on its own core,
 * waits for its port, asks it for CPU and memory figures, and kills it.
 *
 * With `BENCH_CPU_PROF=<dir>` in the environment, every child runs with `--cpu-prof` and
 * stopping it lets it exit by itself (so V8 writes the profile) before killing it; each profile
 * is then renamed `<label>.<pid>.cpuprofile` in that directory, e.g. `polling-switchboard.1234.…`.
 */
import { type ChildProcess, execFileSync, fork } from "node:child_process";
import { readdirSync, renameSync } from "node:fs";
import { join, resolve } from "node:path";
import { isChildMessage, type ServerStats, type TargetName } from "./ipc.ts";

const repoRoot = join(import.meta.dirname, "..", "..", "..");
const serverScript = join(import.meta.dirname, "..", "server.ts");

/** Directory for the children's CPU profiles, when BENCH_CPU_PROF asks for them. */
const profileDir = process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : undefined;
/** How long a profiled child may take to exit (and write its profile) before it is killed. */
const PROFILE_EXIT_MS = 5000;

/** Which core the server child runs on, and which one the load generator keeps. */
export const SERVER_CPU = 1;
export const HARNESS_CPU = 0;

/** Pins every thread of a process to one core with taskset; false when that is not possible. */
export function pin(pid: number, cpu: number): boolean {
  try {
    execFileSync("taskset", ["-a", "-pc", String(cpu), String(pid)], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** A running server child. */
export interface ServerHandle {
  readonly target: TargetName;
  readonly port: number;
  /** CPU and memory now; `gc` runs a full collection first. */
  stats(gc?: boolean): Promise<ServerStats>;
  /** Kills the child and waits for it to exit. */
  stop(): Promise<void>;
}

/** Outcome of starting a target: a handle, or the reason it is not available. */
export type StartResult =
  | { readonly ok: true; readonly handle: ServerHandle }
  | { readonly ok: false; readonly reason: string };

/**
 * Starts one target in a child process; gives up after `timeoutMs`. `label` names its CPU
 * profile (with BENCH_CPU_PROF) and defaults to the target; `env` adds to the child's
 * environment (e.g. BENCH_REDIS_URL).
 */
export function startServer(
  target: TargetName,
  timeoutMs = 20_000,
  label: string = target,
  env: Readonly<Record<string, string>> = {},
): Promise<StartResult> {
  // No "source" condition: workspace packages resolve to their built dist/, not to TypeScript.
  const execArgv = ["--expose-gc", "--import", "tsx"];
  if (profileDir) execArgv.push("--cpu-prof", `--cpu-prof-dir=${profileDir}`);
  const child = fork(serverScript, [target], {
    cwd: repoRoot,
    execArgv,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: { ...process.env, ...env },
  });
  if (child.pid !== undefined) pin(child.pid, SERVER_CPU);
  return new Promise((resolve) => {
    const fail = (reason: string): void => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      resolve({ ok: false, reason });
    };
    const timer = setTimeout(() => fail(`no port after ${timeoutMs} ms`), timeoutMs);
    child.once("exit", (code, signal) => fail(`exited early (${code ?? signal})`));
    child.once("error", (error) => fail(error.message));
    child.once("message", (message: unknown) => {
      if (!isChildMessage(message) || message.type === "stats") return fail("bad first message");
      if (message.type === "unavailable") return fail(message.reason);
      clearTimeout(timer);
      child.removeAllListeners("exit");
      resolve({ ok: true, handle: makeHandle(target, message.port, child, label) });
    });
  });
}

/**
 * Renames the profiles the child with `pid` wrote (Node names them
 * CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile): the main thread's to
 * `<label>.<pid>.cpuprofile`, any other thread's (tsx's loader) to `<label>.<pid>.thread<N>.…`.
 */
function nameProfiles(dir: string, pid: number, label: string): void {
  let main = false;
  for (const name of readdirSync(dir)) {
    const parts = name.split(".");
    if (parts[0] !== "CPU" || parts[3] !== String(pid) || parts.at(-1) !== "cpuprofile") continue;
    const thread = parts[4] === "0" ? "" : `.thread${parts[4]}`;
    main ||= thread === "";
    renameSync(join(dir, name), join(dir, `${label}.${pid}${thread}.cpuprofile`));
  }
  if (!main) console.error(`bench/load: no CPU profile from ${label} (pid ${pid}) in ${dir}`);
}

function makeHandle(
  target: TargetName,
  port: number,
  child: ChildProcess,
  label: string,
): ServerHandle {
  let nextId = 0;
  const pending = new Map<number, (stats: ServerStats | Error) => void>();
  child.on("message", (message: unknown) => {
    if (!isChildMessage(message) || message.type !== "stats") return;
    const { type: _type, id, ...stats } = message;
    pending.get(id)?.(stats);
    pending.delete(id);
  });
  let gone: Error | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once("exit", (code, signal) => {
      gone = new Error(`${target} server exited (${code ?? signal})`);
      for (const settle of pending.values()) settle(gone);
      pending.clear();
      resolve();
    }),
  );
  return {
    target,
    port,
    stats(gc = false) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        if (gone) return reject(gone);
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${target}: no stats reply within 10 s`));
        }, 10_000);
        pending.set(id, (stats) => {
          clearTimeout(timer);
          if (stats instanceof Error) reject(stats);
          else resolve(stats);
        });
        child.send({ type: "stats", id, gc });
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (profileDir && child.pid !== undefined) {
        // The child exits with process.exit(0) when the channel closes, which writes the profile.
        if (child.connected) child.disconnect();
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<boolean>((settle) => {
          timer = setTimeout(() => settle(true), PROFILE_EXIT_MS);
        });
        const killed = await Promise.race([exited.then(() => false), late]);
        clearTimeout(timer);
        if (killed) {
          console.error(`bench/load: ${label} did not exit within ${PROFILE_EXIT_MS} ms: killed`);
        } else return nameProfiles(profileDir, child.pid, label);
      }
      child.kill("SIGKILL");
      await exited;
    },
  };
}
