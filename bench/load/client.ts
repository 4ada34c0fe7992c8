/**
 * One client process of the client scenarios (scenarios/client-node.ts), run as a child of the
 * harness: `node --import tsx bench/load/client.ts` (no "source" condition: @switchboard/client
 * runs from its build, as socket.io-client runs from its published JavaScript).
 *
 * On `start` it opens `clients` sockets of one library over one transport (no upgrade), checks
 * that each runs on that transport, then keeps `inFlight` acknowledged emits in flight per socket:
 * every ack that comes back sends the next emit. It answers `stats` with the acks counted so far
 * and its own CPU time, and exits when the IPC channel closes.
 */
import { pathToFileURL } from "node:url";
import { type ClientChildMessage, isClientParentMessage } from "./lib/client-ipc.ts";

/** The part of the socket.io-client API used here; @switchboard/client's is the same. */
interface SocketLike {
  on(event: string, listener: (...args: never[]) => void): unknown;
  emit(event: string, ...args: unknown[]): unknown;
  disconnect(): unknown;
  io: { engine?: { transport?: { name: string } } | undefined };
}
type Io = (url: string, options: Record<string, unknown>) => SocketLike;

function send(message: ClientChildMessage): void {
  process.send?.(message);
}

let acks = 0;
const sockets: SocketLike[] = [];

/** @switchboard/client from its build, or the build BENCH_SB_CLIENT names (`--sb-client`). */
async function load(lib: string): Promise<Io> {
  const sb = process.env.BENCH_SB_CLIENT
    ? pathToFileURL(process.env.BENCH_SB_CLIENT).href
    : "@switchboard/client";
  const mod = (await import(lib === "socket.io-client" ? "socket.io-client" : sb)) as { io: Io };
  return mod.io;
}

function connect(io: Io, url: string, transport: string, timeoutMs: number): Promise<SocketLike> {
  const socket = io(url, {
    forceNew: true,
    transports: [transport],
    upgrade: false,
    reconnection: false,
  });
  sockets.push(socket);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no connect within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.on("connect_error", (error: Error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on("connect", () => {
      clearTimeout(timer);
      const name = socket.io.engine?.transport?.name;
      if (name !== transport) reject(new Error(`connected over ${name}, not ${transport}`));
      else resolve(socket);
    });
  });
}

async function start(
  lib: string,
  url: string,
  transport: string,
  clients: number,
  inFlight: number,
  payload: string,
): Promise<void> {
  const io = await load(lib);
  const connected: SocketLike[] = [];
  // Bounded batches of handshakes, as the other scenarios open their clients.
  for (let i = 0; i < clients; i += 25) {
    const batch = Math.min(25, clients - i);
    connected.push(
      ...(await Promise.all(
        Array.from({ length: batch }, () => connect(io, url, transport, 10_000)),
      )),
    );
  }
  for (const socket of connected) {
    socket.on("disconnect", (reason: string) => send({ type: "lost", reason }));
    const fire = (): void => {
      socket.emit("ack", payload, () => {
        acks++;
        fire();
      });
    };
    for (let i = 0; i < inFlight; i++) fire();
  }
}

process.on("disconnect", () => process.exit(0));
process.on("message", (message: unknown) => {
  if (!isClientParentMessage(message)) return;
  if (message.type === "stats") {
    const cpu = process.cpuUsage();
    send({ type: "stats", id: message.id, acks, cpu: cpu.user + cpu.system });
    return;
  }
  const { lib, url, transport, clients, inFlight, payload } = message;
  start(lib, url, transport, clients, inFlight, payload).then(
    () => send({ type: "ready" }),
    (error: unknown) =>
      send({ type: "failed", reason: error instanceof Error ? error.message : String(error) }),
  );
});
