/**
 * Redis client pairs for the tests: a publisher and a subscriber connection per server, from
 * ioredis 5 or node-redis 5, connected to a test redis-server. `close()` disconnects both.
 */
import { once } from "node:events";
import type { Server } from "@switchboard/server";
import { Redis } from "ioredis";
import { createClient } from "redis";
import type { RedisClient } from "../src/index.ts";

export type Library = "ioredis" | "node-redis";

export interface ClientPair {
  pub: RedisClient;
  sub: RedisClient;
  close(): Promise<void>;
}

/** Connects a publisher and a subscriber of `library` to `url`. */
export async function clientPair(library: Library, url: string): Promise<ClientPair> {
  if (library === "ioredis") {
    const pub = new Redis(url, { maxRetriesPerRequest: null });
    const sub = pub.duplicate();
    // an application keeps error listeners on its clients; the adapter adds its own too
    pub.on("error", () => {});
    sub.on("error", () => {});
    await Promise.all([once(pub, "ready"), once(sub, "ready")]);
    return {
      pub,
      sub,
      async close() {
        pub.disconnect();
        sub.disconnect();
      },
    };
  }
  const pub = createClient({ url });
  const sub = pub.duplicate();
  pub.on("error", () => {});
  sub.on("error", () => {});
  await Promise.all([pub.connect(), sub.connect()]);
  return {
    pub,
    sub,
    async close() {
      for (const c of [pub, sub]) if (c.isOpen) c.destroy();
    },
  };
}

/**
 * Polls serverCount() until every node's subscriptions are in place (NUMSUB has no event); a
 * count that fails while a client is still reconnecting is asked again.
 */
export async function untilServerCount(io: Server, n: number): Promise<void> {
  for (;;) {
    const count = await io
      .of("/")
      .adapter.serverCount()
      .catch(() => -1);
    if (count === n) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
