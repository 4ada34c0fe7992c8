/**
 * The one middleware runner of the server: namespace middlewares (`io.use`, run for each
 * connecting socket) and socket middlewares (`socket.use`, run for each incoming event) go
 * through it, so a middleware that throws is treated as one that called `next(err)` in both.
 */

/** A per-socket middleware: sees each incoming event as `[name, ...args]`. */
export type SocketMiddleware = (event: unknown[], next: (err?: Error) => void) => void;

/**
 * Runs `middlewares` in order on `subject`; `done` gets the first error (passed to `next` or
 * thrown), or nothing once all called `next()`. A middleware that never calls `next` stops the
 * chain (the socket never connects, the event is dropped). `next` after the chain ended, or a
 * second `next` from one middleware, is ignored.
 */
export function runMiddlewares<S, E extends Error = Error>(
  middlewares: readonly ((subject: S, next: (err?: E) => void) => void)[],
  subject: S,
  done: (err?: E) => void,
): void {
  let index = 0;
  let finished = false;
  const finish = (err?: E): void => {
    finished = true;
    done(err);
  };
  const step = (err?: E): void => {
    if (finished) return;
    const middleware = err ? undefined : middlewares[index];
    if (!middleware) {
      finish(err);
      return;
    }
    index++;
    let called = false;
    const next = (nextErr?: E): void => {
      if (called) return;
      called = true;
      step(nextErr);
    };
    try {
      middleware(subject, next);
    } catch (thrown) {
      if (!called) finish((thrown instanceof Error ? thrown : new Error(String(thrown))) as E);
    }
  };
  step();
}
