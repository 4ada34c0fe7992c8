/**
 * The load generator's side of the wire: Engine.IO v4 / Socket.IO v5 spoken directly over a raw
 * `ws` WebSocket (no client library), or raw frames for the bare ws target.
 *
 * Socket.IO over WebSocket, as this client does it:
 *   GET /socket.io/?EIO=4&transport=websocket (upgrade)
 *   server -> `0{"sid":...,"pingInterval":...}`   engine OPEN
 *   client -> `40`                                 socket CONNECT to "/"
 *   server -> `40{"sid":...}`                      CONNECT ack: the client is ready
 *   client -> `42["echo","<payload>"]`             EVENT; the server answers with the same string
 *   server -> `2`, client -> `3`                   engine PING / PONG (heartbeat)
 */
import { performance } from "node:perf_hooks";
import WebSocket from "ws";

/** Socket.IO's default path with the query of an Engine.IO v4 WebSocket connection. */
export const SIO_WS_PATH = "/socket.io/?EIO=4&transport=websocket";
/** Socket.IO's default path with the query of an Engine.IO v4 polling handshake. */
export const SIO_POLLING_PATH = "/socket.io/?EIO=4&transport=polling";
/** Socket.IO CONNECT to the main namespace, sent as an Engine.IO MESSAGE ("4" + "0"). */
export const SIO_CONNECT = "40";
/** Engine.IO PING and PONG packets. */
export const ENGINE_PING = "2";
export const ENGINE_PONG = "3";
/** Engine.IO polling payload separator (record separator, 0x1e). */
export const PAYLOAD_SEPARATOR = "\x1e";

/** A Socket.IO EVENT packet inside an Engine.IO MESSAGE: `42["name","payload"]`. */
export function eventFrame(name: string, payload: string): string {
  return `42${JSON.stringify([name, payload])}`;
}

/** An ASCII payload of exactly `bytes` bytes that needs no JSON escaping. */
export function makePayload(bytes: number): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  let out = "";
  for (let i = 0; i < bytes; i++) out += alphabet[(i * 7) % alphabet.length];
  return out;
}

/** "sio": Engine.IO/Socket.IO handshake then events; "raw": plain frames, ready on open. */
export type WireKind = "sio" | "raw";

/**
 * A zero masking key. RFC 6455 wants client masks unpredictable (against cache poisoning by
 * intermediaries); on loopback there are none, and with an all-zero key `ws` skips the XOR, so
 * the load generator spends its core on the protocol rather than on masking.
 */
function zeroMask(mask: Buffer): void {
  mask.fill(0);
}

const PING_BYTE = ENGINE_PING.charCodeAt(0);

/** One connected client. After `ready`, every application frame goes to `onFrame`. */
export class WireClient {
  /** Called with each application frame (heartbeats are answered here and not passed on). */
  onFrame: (data: Buffer) => void = () => {};
  /** Why the connection closed before this side ended it, if it did. */
  lost: string | undefined;
  #ending = false;

  constructor(
    readonly ws: WebSocket,
    readonly kind: WireKind,
  ) {}

  /** Sends a text frame; a Buffer holds its UTF-8 bytes, encoded once by the caller. */
  send(data: string | Buffer): void {
    this.ws.send(data, { binary: false });
  }

  /** Drops the TCP connection at once (teardown; the server child is killed right after). */
  terminate(): void {
    this.#ending = true;
    this.ws.terminate();
  }

  /** Closes with a normal close frame. */
  close(): void {
    this.#ending = true;
    this.ws.close();
  }

  /** Records an unexpected close (the server dropped the client). */
  closed(code: number): void {
    if (!this.#ending) this.lost ??= `closed by the server (${code})`;
  }
}

/** Throws if the server dropped any client during the scenario. */
export function assertNoneLost(clients: readonly WireClient[]): void {
  const lost = clients.filter((c) => c.lost !== undefined);
  if (lost.length > 0) throw new Error(`${lost.length} clients lost: ${lost[0]?.lost}`);
}

type HandshakeState = "connecting" | "awaiting-open" | "awaiting-ack" | "ready";

/**
 * Opens one client and resolves when it is ready: for "sio" when the CONNECT ack `40...`
 * arrives, for "raw" when the WebSocket is open. Rejects on error, close or timeout.
 */
export function connectClient(
  port: number,
  kind: WireKind,
  rawPath: string,
  timeoutMs: number,
): Promise<WireClient> {
  const path = kind === "sio" ? SIO_WS_PATH : rawPath;
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, {
    perMessageDeflate: false,
    generateMask: zeroMask,
  });
  const client = new WireClient(ws, kind);
  let state: HandshakeState = "connecting";
  return new Promise((resolve, reject) => {
    const fail = (reason: string): void => {
      if (state === "ready") return;
      clearTimeout(timer);
      ws.terminate();
      reject(new Error(reason));
    };
    const timer = setTimeout(() => fail(`handshake timed out in state ${state}`), timeoutMs);
    const ready = (): void => {
      state = "ready";
      clearTimeout(timer);
      resolve(client);
    };
    ws.on("error", (error) => fail(error.message));
    ws.on("close", (code) => {
      client.closed(code);
      fail(`closed during handshake (${code})`);
    });
    ws.on("open", () => {
      if (kind === "raw") ready();
      else state = "awaiting-open";
    });
    ws.on("message", (raw) => {
      const data = raw as Buffer;
      if (state === "ready") {
        if (kind === "sio" && data.length === 1 && data[0] === PING_BYTE) ws.send(ENGINE_PONG);
        else client.onFrame(data);
        return;
      }
      const text = data.toString();
      switch (state) {
        case "awaiting-open":
          if (!text.startsWith("0")) return fail(`expected engine OPEN, got ${text.slice(0, 40)}`);
          state = "awaiting-ack";
          ws.send(SIO_CONNECT);
          return;
        case "awaiting-ack":
          if (text.startsWith("40")) return ready();
          if (text === ENGINE_PING) return ws.send(ENGINE_PONG);
          return fail(`expected CONNECT ack, got ${text.slice(0, 40)}`);
        case "connecting":
          return fail("frame before open");
      }
    });
  });
}

/**
 * Opens `count` clients with at most `concurrency` handshakes in flight, so that thousands of
 * connections do not hit the listen backlog at once. Rejects on the first failure (after
 * terminating every client opened so far).
 */
export async function connectMany(
  count: number,
  concurrency: number,
  open: () => Promise<WireClient>,
): Promise<WireClient[]> {
  const clients: WireClient[] = [];
  let next = 0;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (next < count && failure === undefined) {
      next++;
      try {
        clients.push(await open());
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  if (failure !== undefined) {
    for (const c of clients) c.terminate();
    throw failure;
  }
  return clients;
}

/** Milliseconds from a monotonic clock. */
export const now = (): number => performance.now();

/** Resolves after `ms`; the benchmark's phases are fixed wall-clock windows. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
