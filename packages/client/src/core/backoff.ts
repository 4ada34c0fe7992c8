/**
 * Reconnection delays: exponential growth capped at a maximum, then spread by jitter so that
 * clients dropped together do not come back together.
 *
 * delay(n) = cap(n) × (1 − factor × r), cap(n) = min(max, min × 2ⁿ), r uniform in [0, 1)
 *
 * The cap is applied before the jitter, never after: clamping a jittered value to the maximum
 * would put every client that reached the cap on exactly the same delay (lockstep).
 */

/** Parameters of {@link backoffDelay}, named as the Manager's options. */
export interface BackoffParams {
  /** First delay, in ms. */
  readonly reconnectionDelay: number;
  /** Largest delay before jitter, in ms. */
  readonly reconnectionDelayMax: number;
  /** Share of the delay taken away at random, between 0 and 1. */
  readonly randomizationFactor: number;
}

/** The delay in ms before reconnection attempt `attempt` (0 for the first). */
export function backoffDelay(
  attempt: number,
  params: BackoffParams,
  random: () => number = Math.random,
): number {
  const cap = Math.min(
    params.reconnectionDelayMax,
    params.reconnectionDelay * 2 ** Math.min(attempt, 52),
  );
  return Math.floor(cap * (1 - params.randomizationFactor * random()));
}

/** Counts attempts and hands out their delays. */
export class Backoff {
  /** Attempts made since the last reset. */
  attempts = 0;
  /** Reads the current parameters (they follow the Manager's options). */
  readonly params: () => BackoffParams;

  constructor(params: () => BackoffParams) {
    this.params = params;
  }

  /** The delay before the next attempt; counts the attempt. */
  duration(): number {
    return backoffDelay(this.attempts++, this.params());
  }

  /** Starts over from the first delay. */
  reset(): void {
    this.attempts = 0;
  }
}
