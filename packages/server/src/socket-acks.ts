/**
 * The acknowledgements a socket waits for, by packet id: expected by an emit with a callback
 * (or registered by the adapter for a broadcast), settled by the client's ACK packet. When the
 * socket closes, an ack with a timeout still fails at its timeout and one without is dropped,
 * as in Socket.IO. The table is a plain Map the socket creates with its first ack.
 */
import type { SocketPacket } from "@switchboard/protocol";
import type { SocketId } from "./adapters/adapter.js";
import { trace } from "./debug.js";
import { AckTimeoutError } from "./errors.js";

/** One acknowledgement a socket waits for. */
export interface PendingAck {
  fn: (...args: unknown[]) => void;
  timer: NodeJS.Timeout | undefined;
}

/** The acknowledgements one socket waits for, by packet id. */
export type PendingAcks = Map<number, PendingAck>;

/**
 * Expects the ack of the emit with packet id `id`; `fn` is called with `socket` as `this`.
 * With a timeout, `fn` takes an error first: null with the ack, else an AckTimeoutError.
 */
export function expectAck(
  acks: PendingAcks,
  socket: object,
  id: number,
  fn: (...args: unknown[]) => void,
  timeout: number | undefined,
): void {
  if (timeout === undefined) {
    acks.set(id, { fn, timer: undefined });
    return;
  }
  const timer = setTimeout(() => {
    acks.delete(id);
    fn.call(socket, new AckTimeoutError());
  }, timeout);
  const withNull = (...args: unknown[]) => fn.call(socket, null, ...args);
  acks.set(id, { fn: withNull, timer });
}

/** Expects an ack for a broadcast; with `timeout`, forgets it silently after that many ms. */
export function expectBroadcastAck(
  acks: PendingAcks,
  id: number,
  ack: (...args: unknown[]) => void,
  timeout: number | undefined,
): void {
  const timer = timeout === undefined ? undefined : setTimeout(() => acks.delete(id), timeout);
  acks.set(id, { fn: ack, timer });
}

/** Hands an ACK packet's arguments to the callback waiting for its id, if one still waits. */
export function settleAck(
  acks: PendingAcks | undefined,
  socket: { readonly id: SocketId },
  packet: SocketPacket,
): void {
  const ack = acks?.get(packet.id!);
  if (!ack) {
    trace("unknown ack", { id: socket.id, ack: packet.id });
    return;
  }
  acks?.delete(packet.id!);
  clearTimeout(ack.timer);
  ack.fn.apply(socket, packet.data as unknown[]);
}

/**
 * The socket closed: no ACK can arrive any more. As in Socket.IO, an ack with a timeout gets its
 * AckTimeoutError when the timeout elapses (its timer still runs and then forgets it); one
 * without a timeout is never called, and is forgotten now.
 */
export function dropPendingAcks(acks: PendingAcks | undefined): void {
  if (acks === undefined) return;
  for (const [id, ack] of acks) if (ack.timer === undefined) acks.delete(id);
}

/**
 * Forgets the oldest pending ack to make room (`maxPendingAcks`): as when its socket closes, one
 * with a timeout still fails at its timeout (its timer runs on), one without is never called.
 */
export function dropOldestAck(acks: PendingAcks, socket: { readonly id: SocketId }): void {
  for (const id of acks.keys()) {
    acks.delete(id);
    trace("too many pending acks", { id: socket.id, forgotten: id });
    return;
  }
}
