/**
 * Messages between the harness and a client child (bench/load/client.ts), and the harness's
 * handle on one: fork it pinned to the load generator's core, start its load, read its acks
 * and CPU time, stop it.
 */
import { type ChildProcess, fork } from "node:child_process";
import { join } from "node:path";
import { HARNESS_CPU, pin } from "./server-handle.ts";

/** The client libraries compared. */
export type ClientLib = "socket.io-client" | "@switchboard/client";

/** Harness to client child. */
export type ClientParentMessage =
  | {
      readonly type: "start";
      readonly lib: ClientLib;
      readonly url: string;
      readonly transport: string;
      readonly clients: number;
      readonly inFlight: number;
      readonly payload: string;
    }
  | { readonly type: "stats"; readonly id: number };

/** Client child to harness. */
export type ClientChildMessage =
  | { readonly type: "ready" }
  | { readonly type: "failed"; readonly reason: string }
  | { readonly type: "lost"; readonly reason: string }
  /** Acks received since the start, and the process's CPU time (user + system, µs). */
  | { readonly type: "stats"; readonly id: number; readonly acks: number; readonly cpu: number };

/** Narrows what the channel carries to a ClientParentMessage. */
export function isClientParentMessage(value: unknown): value is ClientParentMessage {
  const type = (value as { type?: unknown } | null)?.type;
  return type === "start" || type === "stats";
}

function isChildMessage(value: unknown): value is ClientChildMessage {
  const type = (value as { type?: unknown } | null)?.type;
  return type === "ready" || type === "failed" || type === "lost" || type === "stats";
}

const repoRoot = join(import.meta.dirname, "..", "..", "..");
const clientScript = join(import.meta.dirname, "..", "client.ts");

/** A running client child with its load started. */
export interface ClientHandle {
  /** Acks so far and the child's CPU µs so far. */
  stats(): Promise<{ acks: number; cpu: number }>;
  /** Why a socket disconnected during the run, if one did. */
  readonly lost: () => string | undefined;
  stop(): Promise<void>;
}

/** Forks a client child (pinned to the load generator's core), connects and starts the load. */
export async function startClients(
  start: Omit<Extract<ClientParentMessage, { type: "start" }>, "type">,
  timeoutMs: number,
): Promise<ClientHandle> {
  const child: ChildProcess = fork(clientScript, [], {
    cwd: repoRoot,
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  if (child.pid !== undefined) pin(child.pid, HARNESS_CPU);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  };
  let lost: string | undefined;
  let nextId = 0;
  const pending = new Map<number, (s: { acks: number; cpu: number }) => void>();
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`clients not ready in ${timeoutMs} ms`)),
      timeoutMs,
    );
    child.once("exit", (code, signal) =>
      reject(new Error(`client child exited (${code ?? signal})`)),
    );
    child.on("message", (message: unknown) => {
      if (!isChildMessage(message)) return;
      if (message.type === "ready") {
        clearTimeout(timer);
        resolve();
      } else if (message.type === "failed") {
        clearTimeout(timer);
        reject(new Error(message.reason));
      } else if (message.type === "lost") lost ??= message.reason;
      else {
        pending.get(message.id)?.({ acks: message.acks, cpu: message.cpu });
        pending.delete(message.id);
      }
    });
  });
  child.send({ type: "start", ...start } satisfies ClientParentMessage);
  try {
    await ready;
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    lost: () => lost,
    stop,
    stats: () =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        const timer = setTimeout(() => reject(new Error("no stats reply within 10 s")), 10_000);
        pending.set(id, (s) => {
          clearTimeout(timer);
          resolve(s);
        });
        child.send({ type: "stats", id } satisfies ClientParentMessage);
      }),
  };
}
