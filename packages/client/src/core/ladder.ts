/**
 * Transport selection memory: per server endpoint, the transport that carried the last session
 * (tried first next time) and the one that last stalled (tried last next time). Kept in
 * `sessionStorage` where there is one, so that it outlives a reload of the page (and stays
 * with the tab), else in module memory for the life of the process.
 */
import type { TransportFactory, TransportName } from "./transport.js";

/** What is remembered about one endpoint. */
export interface TransportMemory {
  /** The transport that carried the last session. */
  preferred?: TransportName;
  /** A transport that opened but then stalled (ping timeout): tried last. */
  demoted?: TransportName;
}

/** The `sessionStorage` key of every endpoint's memory (one JSON object). */
const KEY = "switchboard:transports";

let memories: Record<string, TransportMemory> | undefined | null;

/** The memory of one endpoint (origin + path), created on first use. */
export function memoryFor(endpoint: string): TransportMemory {
  // No storage (Node), access refused (privacy settings, a sandbox), or unreadable: start over.
  try {
    memories ??= JSON.parse(sessionStorage.getItem(KEY)!);
  } catch {}
  memories ??= {};
  memories[endpoint] ??= {};
  return memories[endpoint];
}

/** Writes the memories down after a change (without storage, or a full one, they stay in memory). */
export function saveTransports(): void {
  try {
    sessionStorage.setItem(KEY, JSON.stringify(memories));
  } catch {}
}

/** Forgets every endpoint (tests). */
export function forgetTransports(): void {
  memories = {};
  saveTransports();
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
