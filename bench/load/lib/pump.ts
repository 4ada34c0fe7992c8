/**
 * The broadcast scenarios' sender: client 0 of `clients` sends `frame` whenever fewer than
 * `window` broadcasts are undelivered (sent × clients − delivered < window × clients), so the
 * servers are never flooded beyond what they can send; every client counts what it receives.
 */
import { delay, now, type WireClient } from "./wire.ts";

/** A running pump and its counts. */
export interface Pump {
  /** Broadcasts sent so far. */
  readonly sent: number;
  /** Frames received by all clients so far. */
  readonly delivered: number;
  /** Frames received that were not `frame`. */
  readonly wrong: number;
  /** Deliveries of `frame` since the previous call (counting starts afresh). */
  take(): number;
  /** Stops sending and waits (at most `ms`) until everything sent has been delivered. */
  stop(ms: number): Promise<void>;
}

/** Starts pumping `frame` from `clients[0]` to all of `clients`. */
export function startPump(clients: readonly WireClient[], frame: Buffer, window: number): Pump {
  const sender = clients[0];
  if (!sender) throw new Error("no clients");
  const count = clients.length;
  const limit = window * count;
  let sending = true;
  let sent = 0;
  let delivered = 0;
  let counted = 0;
  let wrong = 0;
  const pump = (): void => {
    while (sending && sent * count - delivered < limit) {
      sender.send(frame);
      sent++;
    }
  };
  const onFrame = (data: Buffer): void => {
    delivered++;
    if (data.equals(frame)) counted++;
    else wrong++;
    pump();
  };
  for (const client of clients) client.onFrame = onFrame;
  pump();
  return {
    get sent() {
      return sent;
    },
    get delivered() {
      return delivered;
    },
    get wrong() {
      return wrong;
    },
    take() {
      const n = counted;
      counted = 0;
      return n;
    },
    async stop(ms) {
      sending = false;
      const deadline = now() + ms;
      while (delivered < sent * count && now() < deadline) await delay(20);
    },
  };
}
