/**
 * Transport selection memory: per server endpoint, the transport that carried the last session
 * (tried first next time) and the one that last stalled (tried last next time). Kept for the
 * life of the page or process.
 */
import type { TransportFactory, TransportName } from "./transport.js";

/** What is remembered about one endpoint. */
export interface TransportMemory {
  /** The transport that carried the last session. */
  preferred?: TransportName;
  /** A transport that opened but then stalled (ping timeout): tried last. */
  demoted?: TransportName;
}

const memories = new Map<string, TransportMemory>();

/** The memory of one endpoint (origin + path), created on first use. */
export function memoryFor(endpoint: string): TransportMemory {
  let memory = memories.get(endpoint);
  if (!memory) {
    memory = {};
    memories.set(endpoint, memory);
  }
  return memory;
}

/** Forgets every endpoint (tests). */
export function forgetTransports(): void {
  memories.clear();
}

/**
 * The order in which to try transports: the configured order, with the remembered transport
 * moved to the front and a demoted one moved to the end.
 */
export function orderLadder(
  transports: readonly TransportFactory[],
  memory: TransportMemory | undefined,
): TransportFactory[] {
  const out = transports.slice();
  const move = (name: TransportName | undefined, front: boolean) => {
    const i = out.findIndex((f) => f.transportName === name);
    if (i < 0) return;
    const [f] = out.splice(i, 1);
    if (front) out.unshift(f!);
    else out.push(f!);
  };
  move(memory?.demoted, false);
  if (memory?.preferred !== memory?.demoted) move(memory?.preferred, true);
  return out;
}
