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

let memories: Record<string, TransportMemory> = {};

/** The memory of one endpoint (origin + path), created on first use. */
export function memoryFor(endpoint: string): TransportMemory {
  memories[endpoint] ??= {};
  return memories[endpoint];
}

/** Forgets every endpoint (tests). */
export function forgetTransports(): void {
  memories = {};
}

/**
 * The order in which to try transports: the configured order, with the remembered transport
 * moved to the front and a demoted one moved to the end.
 */
export function orderLadder(
  transports: readonly TransportFactory[],
  memory: TransportMemory | undefined,
): TransportFactory[] {
  const rank = ({ transportName: name }: TransportFactory) =>
    name === memory?.demoted ? 1 : name === memory?.preferred ? -1 : 0;
  return transports.slice().sort((a, b) => rank(a) - rank(b)); // stable: keeps the given order
}
