/**
 * Harness side of a server child: starts bench/load/server.ts for one target on its own core,
 * waits for its port, asks it for CPU and memory figures, and kills it.
 */
import { type ChildProcess, execFileSync, fork } from "node:child_process";
import { join } from "node:path";
import { isChildMessage, type ServerStats, type TargetName } from "./ipc.ts";

const repoRoot = join(import.meta.dirname, "..", "..", "..");
const serverScript = join(import.meta.dirname, "..", "server.ts");

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

/** Starts one target in a child process; gives up after `timeoutMs`. */
export function startServer(target: TargetName, timeoutMs = 20_000): Promise<StartResult> {
  const child = fork(serverScript, [target], {
    cwd: repoRoot,
    // No "source" condition: workspace packages resolve to their built dist/, not to TypeScript.
    execArgv: ["--expose-gc", "--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
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
      resolve({ ok: true, handle: makeHandle(target, message.port, child) });
    });
  });
}

function makeHandle(target: TargetName, port: number, child: ChildProcess): ServerHandle {
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
      child.kill("SIGKILL");
      await exited;
    },
  };
}
