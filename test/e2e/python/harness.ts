/**
 * python-socketio as a peer: Debian's python3-socketio 5.7 and python3-aiohttp, run with
 * Debian's own interpreter (scripts/test.mjs installs both packages when they are missing).
 * The server (server.py) and the client scenario (client.py) are children of the test, on
 * loopback, and stopped at the end even when the test fails.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";

/** Debian's python: the one that sees python3-socketio (a pyenv or venv python would not). */
export const PYTHON = "/usr/bin/python3";

const here = new URL(".", import.meta.url).pathname;

/** A running python-socketio server. */
export interface PythonServer {
  /** Base URL, e.g. "http://127.0.0.1:41234". */
  readonly url: string;
  /** What the server wrote on stderr so far (its log and any traceback). */
  log(): string;
  /** Stops the server (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  await exited;
}

/** Starts server.py on a free loopback port (it binds port 0 and prints the port it got). */
export async function startPythonServer(): Promise<PythonServer> {
  // stdin stays a pipe: if this process dies, the server sees it close and exits too.
  const child = spawn(PYTHON, [`${here}server.py`], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  let stdout = "";
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      const match = /listening (\d+)/.exec(stdout);
      if (match) resolve(Number(match[1]));
    });
    child.once("exit", (code) => reject(new Error(`server.py exited (${code}): ${stderr}`)));
    child.once("error", reject);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    log: () => stderr,
    stop: () => stopChild(child),
  };
}

/** What client.py reports after its scenario. */
export interface PythonClientReport {
  transport: string;
  sid: string;
  adminSid: string;
  events: [string, string, unknown][];
  questions: [string, number][];
  echo: unknown;
  adminEcho: unknown;
  bounced: unknown;
  answer: unknown;
  binaryAck: { hex: string; type: string };
  pushed: { hex: string; type: string };
}

/**
 * Runs client.py against `url` with the given engine transports and returns its report; rejects
 * with its traceback when it fails. A client that hangs is killed after `limitMs` so that a
 * failure ends the test instead of stalling the suite (no assertion depends on the time).
 */
export async function runPythonClient(
  url: string,
  transports: readonly string[],
  limitMs = 60_000,
): Promise<PythonClientReport> {
  const child = spawn(PYTHON, [`${here}client.py`, url, transports.join(",")], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const guard = setTimeout(() => child.kill("SIGKILL"), limitMs);
  try {
    const [code] = (await once(child, "exit")) as [number | null];
    if (code !== 0) throw new Error(`client.py exited with ${code}:\n${stderr}`);
    return JSON.parse(stdout) as PythonClientReport;
  } finally {
    clearTimeout(guard);
    await stopChild(child);
  }
}
