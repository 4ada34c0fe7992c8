/**
 * The chain of `socket.use` middlewares an incoming event goes through before its listeners.
 */

/** A per-socket middleware: sees each incoming event as `[name, ...args]`. */
export type SocketMiddleware = (event: unknown[], next: (err?: Error) => void) => void;

/**
 * Runs `fns` in order on `args`; `done` gets the first error, or nothing once all called
 * `next()`. A middleware that never calls `next` stops the chain (the event is dropped).
 */
export function runMiddlewares(
  fns: readonly SocketMiddleware[],
  args: unknown[],
  done: (err?: Error) => void,
): void {
  let i = 0;
  const next = (err?: Error): void => {
    const fn = err ? undefined : fns[i++];
    if (!fn) {
      done(err);
      return;
    }
    fn(args, next);
  };
  next();
}
