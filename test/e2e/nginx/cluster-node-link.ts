/**
 * The parent's side of cluster-node.ts, for the cluster tests and the recovery bench alike: a
 * spawned node prints `{"port":N}` once it listens, and takes a control socket (socket.io-client
 * over WebSocket, `auth: { control: true }`) through which the parent asks it to act.
 */
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { io, type Socket } from "socket.io-client";

/** The node script to spawn. */
export const CLUSTER_NODE_SCRIPT = fileURLToPath(new URL("./cluster-node.ts", import.meta.url));

/** A spawned node once it listens: its port and control socket, and how to stop it. */
export interface NodeLink {
  readonly port: number;
  readonly control: Socket;
  /** Disconnects the control socket, sends `signal` (unless it exited) and waits for the exit. */
  stop(signal: NodeJS.Signals): Promise<void>;
}

/** Waits for the node `child` (tagged `tag`) to listen, then connects its control socket. */
export async function linkNode(child: ChildProcess, tag: string): Promise<NodeLink> {
  const [line] = (await Promise.race([
    once(createInterface({ input: child.stdout! }), "line"),
    once(child, "exit").then(() => {
      throw new Error(`node ${tag} exited before it listened`);
    }),
  ])) as [string];
  const { port } = JSON.parse(line) as { port: number };
  const control = io(`http://127.0.0.1:${port}`, {
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
    port,
    control,
    async stop(signal) {
      control.disconnect();
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      child.kill(signal);
      await exited;
    },
  };
}
