/**
 * Node processes for the cluster tests (cluster-node.ts), with a control socket each: start,
 * kill, and ask a node to act on the cluster. Every process is killed at the end of the test
 * file, whatever happens.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { after } from "node:test";
import { fileURLToPath } from "node:url";
import { type Socket as ClientSocket, io as connect } from "socket.io-client";

const script = fileURLToPath(new URL("./cluster-node.ts", import.meta.url));

/** One node process. */
export interface NodeProcess {
  readonly tag: string;
  readonly port: number;
  /** `127.0.0.1:<port>` */
  readonly address: string;
  readonly child: ChildProcess;
  /** A control socket connected straight to this node (not through nginx). */
  readonly control: ClientSocket;
  /** Sends a control request and resolves with the node's answer. */
  ask<T = unknown>(
    event: "ctl:broadcast" | "ctl:fetch" | "ctl:who" | "ctl:count",
    ...args: unknown[]
  ): Promise<T>;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
}

const children = new Set<ChildProcess>();
after(() => {
  for (const child of children) child.kill("SIGKILL");
});

/** Starts a node process of `kind` with session tag `tag`, on Redis `redisUrl`. */
export async function startNodeProcess(
  tag: string,
  redisUrl: string,
  kind: "switchboard" | "socket.io" = "switchboard",
): Promise<NodeProcess> {
  const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", script], {
    env: { ...process.env, TAG: tag, REDIS_URL: redisUrl, KIND: kind },
    stdio: ["pipe", "pipe", "inherit"],
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await Promise.race([
    once(lines, "line"),
    once(child, "exit").then(() => {
      throw new Error(`node ${tag} exited before it listened`);
    }),
  ])) as [string];
  const { port } = JSON.parse(line) as { port: number };
  const control = connect(`http://127.0.0.1:${port}`, {
    forceNew: true,
    reconnection: false,
    transports: ["websocket"],
    auth: { control: true },
  });
  await new Promise<void>((resolve, reject) => {
    control.once("connect", () => resolve());
    control.once("connect_error", reject);
  });
  return {
    tag,
    port,
    address: `127.0.0.1:${port}`,
    child,
    control,
    ask: (event, ...args) => control.timeout(20_000).emitWithAck(event, ...args),
    async kill() {
      control.disconnect();
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      child.kill("SIGKILL");
      await exited;
    },
  };
}

/** Asks `node` for its serverCount until it is `n` (a count has no event to wait for). */
export async function untilNodeCount(node: NodeProcess, n: number): Promise<void> {
  while ((await node.ask<number>("ctl:count")) !== n) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
