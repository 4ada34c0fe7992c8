/**
 * Test nodes on a real redis-server: Switchboard servers with this adapter (ioredis or
 * node-redis client, one per node), connection state recovery on, and socket.io-client 4.8
 * clients that can come back to another node with the session they had (as a client behind a
 * load balancer does).
 */
import { once } from "node:events";
import type { Server, ServerOptions } from "@switchboard/server";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { type Socket as ClientSocket, io as connect } from "socket.io-client";
import { Cluster, type Node } from "../../../test/support/cluster.ts";
import { createAdapter, type RedisClient, type RedisStreamsAdapterOptions } from "../src/index.ts";

export type Library = "ioredis" | "node-redis";

/** One Redis client of `library`, and its close. */
export async function redisClient(
  library: Library,
  url: string,
): Promise<{ client: RedisClient; close(): void }> {
  if (library === "ioredis") {
    const client = new Redis(url, { maxRetriesPerRequest: null });
    client.on("error", () => {});
    await once(client, "ready");
    return { client, close: () => client.disconnect() };
  }
  const client = createClient({ url });
  client.on("error", () => {});
  await client.connect();
  return {
    client: client as unknown as RedisClient,
    close: () => {
      if (client.isOpen) client.destroy();
    },
  };
}

/** Servers and clients of one test, all closed by `close()`. */
export class TestCluster {
  readonly cluster = new Cluster();
  readonly #closers: (() => void)[] = [];
  readonly library: Library;
  readonly url: string;

  constructor(library: Library, url: string) {
    this.library = library;
    this.url = url;
  }

  /** A node with the adapter; `maxDisconnectionDuration` defaults to 60 s. */
  async node(
    opts: RedisStreamsAdapterOptions = {},
    server: ServerOptions = {},
  ): Promise<Node & { redis: RedisClient; closeRedis(): void }> {
    const { client, close } = await redisClient(this.library, this.url);
    this.#closers.push(close);
    const node = await this.cluster.node({
      connectionStateRecovery: { maxDisconnectionDuration: 60_000 },
      ...server,
      adapter: createAdapter(client, { heartbeatInterval: 200, ...opts }),
    });
    return { ...node, redis: client, closeRedis: close };
  }

  async close(): Promise<void> {
    await this.cluster.closeAll();
    for (const close of this.#closers.splice(0)) close();
  }
}

/** A client socket that records its events; `resume()` comes back on another node. */
export class Client {
  socket: ClientSocket;
  readonly events: unknown[][] = [];
  #waiters: (() => void)[] = [];

  constructor(url: string, auth?: Record<string, unknown>) {
    this.socket = this.#open(url, auth);
  }

  #open(url: string, auth?: Record<string, unknown>): ClientSocket {
    const socket = connect(url, {
      forceNew: true,
      reconnection: false,
      transports: ["websocket"],
      ...(auth && { auth }),
    });
    socket.onAny((...args: unknown[]) => {
      this.events.push(args);
      for (const w of this.#waiters.splice(0)) w();
    });
    return socket;
  }

  connected(): Promise<void> {
    if (this.socket.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.socket.once("connect", () => resolve());
      this.socket.once("connect_error", reject);
    });
  }

  /** The private session id and last offset the client would send when it reconnects. */
  get session(): { pid: string; offset: string } {
    const s = this.socket as unknown as { _pid: string; _lastOffset: string };
    return { pid: s._pid, offset: s._lastOffset };
  }

  /** Drops the connection (as a network failure would) and reconnects to `url` as the same session. */
  async resume(url: string, session = this.session): Promise<void> {
    this.socket.io.engine.close();
    this.socket.disconnect();
    this.socket = this.#open(url, { ...session });
    await this.connected();
  }

  /** The arguments of every `event` received, in order (without the offset). */
  args(event: string): unknown[] {
    return this.events.filter((e) => e[0] === event).map((e) => e[1]);
  }

  until(check: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const test = () => {
        if (check()) resolve();
        else this.#waiters.push(test);
      };
      test();
    });
  }

  close(): void {
    this.socket.disconnect();
  }
}

/** Connects a client to `url`, adds it to `clients` (to close after the test), waits for it. */
export async function connectClient(
  clients: Client[],
  url: string,
  auth?: Record<string, unknown>,
): Promise<Client> {
  const c = new Client(url, auth);
  clients.push(c);
  await c.connected();
  return c;
}

/** Resolves when the server has a socket with id `id` in `room`. */
export async function untilIn(io: Server, room: string, id: string): Promise<void> {
  while (!io.of("/").adapter.rooms.get(room)?.has(id)) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
