/**
 * Checks that a target works end to end before it is measured: start it, connect one client
 * over the wire protocol, emit one `echo` event and expect it back.
 */
import type { TargetName } from "./ipc.ts";
import { startServer } from "./server-handle.ts";
import { connectClient, eventFrame } from "./wire.ts";

/** Undefined when the target echoes; otherwise why it is not available. */
export async function probe(target: TargetName, timeoutMs: number): Promise<string | undefined> {
  const started = await startServer(target, undefined, `probe-${target}`);
  if (!started.ok) return started.reason;
  const server = started.handle;
  try {
    const kind = target === "ws" ? "raw" : "sio";
    const client = await connectClient(server.port, kind, "/echo", timeoutMs);
    const frame = kind === "sio" ? eventFrame("echo", "probe") : "probe";
    const echoed = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      client.onFrame = (data) => {
        clearTimeout(timer);
        resolve(data.toString() === frame);
      };
      client.send(frame);
    });
    client.terminate();
    return echoed ? undefined : `no echo of ${frame} within ${timeoutMs} ms`;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await server.stop();
  }
}
