/**
 * Records the timers that the engine's own code (packages/engine/src) starts itself, so that a test can
 * prove none is left pending once a session has closed. Wraps the global timer functions until
 * `restore()`.
 */

const SOURCE = /packages[\\/]engine[\\/]src[\\/]/;

export interface TimerProbe {
  /** Where each engine timer still pending was started (its stack). */
  pending(): string[];
  restore(): void;
}

export function probeTimers(): TimerProbe {
  const live = new Map<NodeJS.Timeout, string>();
  const real = { setTimeout, setInterval, clearTimeout, clearInterval };
  const track = (timer: NodeJS.Timeout, stack: string): NodeJS.Timeout => {
    // The frame that called setTimeout/setInterval: the engine's own timers, not those of `ws`.
    const caller = stack.split("\n")[2] ?? "";
    if (SOURCE.test(caller)) live.set(timer, stack);
    return timer;
  };
  globalThis.setTimeout = ((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const stack = new Error().stack ?? "";
    const timer: NodeJS.Timeout = real.setTimeout(() => {
      live.delete(timer);
      fn(...args);
    }, ms);
    return track(timer, stack);
  }) as typeof setTimeout;
  globalThis.setInterval = ((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    return track(real.setInterval(fn, ms, ...args), new Error().stack ?? "");
  }) as typeof setInterval;
  globalThis.clearTimeout = ((timer: NodeJS.Timeout | undefined) => {
    if (timer !== undefined) live.delete(timer);
    real.clearTimeout(timer);
  }) as typeof clearTimeout;
  globalThis.clearInterval = ((timer: NodeJS.Timeout | undefined) => {
    if (timer !== undefined) live.delete(timer);
    real.clearInterval(timer);
  }) as typeof clearInterval;
  return {
    pending: () => [...live.values()],
    restore() {
      Object.assign(globalThis, real);
    },
  };
}
