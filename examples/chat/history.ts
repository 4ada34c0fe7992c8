/**
 * Where the chat keeps each room's last messages. One process keeps them in memory; a cluster
 * keeps them in Redis, so that whoever joins on any node sees the same history, and message
 * ids come from one counter (Redis `INCR`) instead of one per node.
 */
import type { Redis } from "ioredis";
import type { ChatMessage } from "./chat.ts";

/** A room's history: the last `limit` messages, oldest first. */
export interface HistoryStore {
  /** Gives `draft` the next id, keeps it as the room's latest message and returns it. */
  add(room: string, draft: Omit<ChatMessage, "id">): Promise<ChatMessage>;
  /** The room's messages, oldest first. */
  list(room: string): Promise<ChatMessage[]>;
  /** Forgets the room's messages (its last member left). */
  drop(room: string): Promise<void>;
}

/** History in this process' memory: what one server needs. */
export function memoryHistory(limit: number): HistoryStore {
  const rooms = new Map<string, ChatMessage[]>();
  let nextId = 1;
  return {
    async add(room, draft) {
      const message = { id: nextId++, ...draft };
      const kept = rooms.get(room) ?? [];
      kept.push(message);
      if (kept.length > limit) kept.shift();
      rooms.set(room, kept);
      return message;
    },
    async list(room) {
      return rooms.get(room) ?? [];
    },
    async drop(room) {
      rooms.delete(room);
    },
  };
}

/**
 * History in Redis, shared by every node: one list per room (`<prefix>history:<room>`, JSON
 * messages, trimmed to `limit` in the same transaction as the push) and one id counter
 * (`<prefix>next-id`).
 */
export function redisHistory(
  redis: Redis,
  limit: number,
  prefix = "switchboard-chat:",
): HistoryStore {
  const key = (room: string) => `${prefix}history:${room}`;
  return {
    async add(room, draft) {
      const id = await redis.incr(`${prefix}next-id`);
      const message = { id, ...draft };
      const results = await redis
        .multi()
        .rpush(key(room), JSON.stringify(message))
        .ltrim(key(room), -limit, -1)
        .exec();
      const failed = results?.find(([err]) => err)?.[0];
      if (failed) throw failed;
      return message;
    },
    async list(room) {
      const items = await redis.lrange(key(room), 0, -1);
      return items.map((item) => JSON.parse(item) as ChatMessage);
    },
    async drop(room) {
      await redis.del(key(room));
    },
  };
}
