/**
 * Rate limits on what a client sends: a token bucket per connection on incoming packets, and
 * optionally one per event name on top. A packet that finds its bucket empty is dropped; the
 * client hears of it once per run of dropped packets (an event named {@link RATE_LIMIT_EVENT}
 * on the packet's namespace, volatile); with `onLimit: "disconnect"`, the connection is closed
 * with "rate limit" once it has had more than `maxViolations` packets dropped.
 */
import { type SocketPacket, SocketPacketType } from "@switchboard/protocol";
import type { ConnectionPolicy } from "../pipeline.js";

/** The event that tells a client its packets are being dropped. */
export const RATE_LIMIT_EVENT = "rate limit";

/** One token bucket's settings. */
export interface BucketOptions {
  /** Packets per second, on average. */
  packetsPerSecond: number;
  /**
   * Packets that may come at once (the bucket's size).
   * @default packetsPerSecond
   */
  burst?: number;
}

/** Settings of the `rateLimit` option. */
export interface RateLimitOptions extends BucketOptions {
  /** Buckets per event name, each spent on top of the connection's. */
  events?: Readonly<Record<string, BucketOptions>>;
  /**
   * What happens past the limit: "drop" drops the packet (the client gets the notice);
   * "disconnect" does the same and closes the connection ("rate limit") once more than
   * `maxViolations` packets were dropped.
   * @default "drop"
   */
  onLimit?: "drop" | "disconnect";
  /**
   * Dropped packets tolerated before "disconnect" closes the connection.
   * @default 10
   */
  maxViolations?: number;
}

/** What the client receives with the notice. */
export interface RateLimitNotice {
  /** The event name whose bucket was empty, or undefined for the connection's. */
  event: string | undefined;
  /** Milliseconds until the bucket holds a packet again. */
  retryAfter: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

interface State {
  readonly connection: Bucket;
  events: Map<string, Bucket> | undefined;
  violations: number;
  /** Set from the first dropped packet until one passes: one notice per run. */
  limited: boolean;
}

/** Takes one token; the milliseconds until one is there when it is empty, else 0. */
function take(bucket: Bucket, rate: number, burst: number, now: number): number {
  bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * rate);
  bucket.at = now;
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return 0;
  }
  return Math.ceil(((1 - bucket.tokens) / rate) * 1000);
}

/** The rate-limit policy for `options` (checked by the options resolver). */
export function rateLimit(options: Readonly<RateLimitOptions>): ConnectionPolicy {
  const rate = options.packetsPerSecond;
  const burst = options.burst ?? rate;
  const events = options.events ?? {};
  const disconnect = options.onLimit === "disconnect";
  const maxViolations = options.maxViolations ?? 10;
  const eventOf = (packet: SocketPacket): string | undefined => {
    if (packet.type !== SocketPacketType.EVENT && packet.type !== SocketPacketType.BINARY_EVENT) {
      return undefined;
    }
    const name = (packet.data as unknown[])[0];
    return typeof name === "string" && Object.hasOwn(events, name) ? name : undefined;
  };
  const policy: ConnectionPolicy = {
    name: "rate-limit",
    inbound(conn, packet) {
      // Leaving a namespace is never refused: the server would keep a socket the client left.
      if (packet.type === SocketPacketType.DISCONNECT) return true;
      const now = performance.now();
      const state = conn.slot<State>(policy, () => ({
        connection: { tokens: burst, at: now },
        events: undefined,
        violations: 0,
        limited: false,
      }));
      let wait = take(state.connection, rate, burst, now);
      let limitedEvent: string | undefined;
      const event = eventOf(packet);
      if (wait === 0 && event !== undefined) {
        const settings = events[event]!;
        const eventBurst = settings.burst ?? settings.packetsPerSecond;
        state.events ??= new Map();
        let bucket = state.events.get(event);
        if (bucket === undefined) {
          bucket = { tokens: eventBurst, at: now };
          state.events.set(event, bucket);
        }
        wait = take(bucket, settings.packetsPerSecond, eventBurst, now);
        if (wait > 0) {
          limitedEvent = event;
          // The connection's token was not used after all.
          state.connection.tokens += 1;
        }
      }
      if (wait === 0) {
        state.limited = false;
        return true;
      }
      state.violations++;
      if (disconnect && state.violations > maxViolations) {
        conn.closeWith("rate limit");
        return false;
      }
      if (!state.limited) {
        state.limited = true;
        const notice: RateLimitNotice = { event: limitedEvent, retryAfter: wait };
        conn.notify(packet.nsp, RATE_LIMIT_EVENT, notice);
      }
      return false;
    },
  };
  return policy;
}
