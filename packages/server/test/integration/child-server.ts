/**
 * A test server in a child process (a fixture run with the test runner's own `--conditions` and
 * `--import`, and `--expose-gc`), so that what is measured (RSS, heap, timers, listeners) is the
 * server's alone. It talks over IPC: messages are `{ type, ... }` objects.
 */
import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";

export type Message = { type: string } & Record<string, unknown>;

export class ChildServer {
  readonly proc: ChildProcess;
  readonly #inbox: Message[] = [];
  readonly #waiters: [string, (m: Message) => void, (err: Error) => void][] = [];
  readonly #handlers = new Map<string, (m: Message) => void>();
  #exited: Error | undefined;

  constructor(fixture: string, args: readonly string[] = []) {
    this.proc = fork(fixture, args, {
      execArgv: ["--expose-gc", "--conditions=source", "--import", "tsx"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    this.proc.on("message", (m: Message) => {
      const handler = this.#handlers.get(m.type);
      if (handler) return handler(m);
      const i = this.#waiters.findIndex(([type]) => type === m.type);
      if (i === -1) this.#inbox.push(m);
      else this.#waiters.splice(i, 1)[0]![1](m);
    });
    // A waiter for a message that can no longer come fails instead of waiting forever.
    this.proc.on("exit", (code, signal) => {
      this.#exited = new Error(`the server process exited (${signal ?? code})`);
      for (const [, , reject] of this.#waiters.splice(0)) reject(this.#exited);
    });
  }

  /** Every message of `type` goes to `handler` from now on (not to {@link ChildServer.next}). */
  handle(type: string, handler: (m: Message) => void): void {
    this.#handlers.set(type, handler);
  }

  /** The next message of `type`; rejects if the process exits first. */
  next(type: string): Promise<Message> {
    const i = this.#inbox.findIndex((m) => m.type === type);
    if (i !== -1) return Promise.resolve(this.#inbox.splice(i, 1)[0]!);
    if (this.#exited) return Promise.reject(this.#exited);
    return new Promise((resolve, reject) => this.#waiters.push([type, resolve, reject]));
  }

  /** Sends `request` and waits for the answer of `type`. */
  async ask(request: string, type: string): Promise<Message> {
    const answer = this.next(type);
    this.proc.send(request);
    return answer;
  }

  /** Lets the process exit (it exits when its IPC channel closes); kills it if it does not. */
  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = once(this.proc, "exit");
    if (this.proc.connected) this.proc.disconnect();
    const timer = setTimeout(() => this.proc.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
