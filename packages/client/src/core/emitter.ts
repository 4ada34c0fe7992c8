/**
 * A small typed event emitter that runs in browsers and Node alike (no `node:events`).
 * Local events are fired with `emitReserved`, so that subclasses such as the client `Socket` can
 * give `emit` its Socket.IO meaning (send to the server).
 */

/** A map of event names to listener signatures. */
// biome-ignore lint/suspicious/noExplicitAny: listener parameter lists are arbitrary by design
export type EventsMap = { [event: string]: any };

/** The map used when none is given: any event name, any arguments. */
// biome-ignore lint/suspicious/noExplicitAny: the untyped default, as in Socket.IO
export type DefaultEventsMap = { [event: string]: (...args: any[]) => void };

/** Names of the events of a map. */
export type EventNames<Map extends EventsMap> = keyof Map & string;

/** The listener type of one event. */
export type EventListener<Map extends EventsMap, Ev extends EventNames<Map>> = Map[Ev];

/** Parameters of one event's listener. */
export type EventParams<Map extends EventsMap, Ev extends EventNames<Map>> = Parameters<Map[Ev]>;

/**
 * What `emitWithAck(ev)` resolves with: the first argument of the event's ack (its last
 * parameter); for an untyped map, `any`, as in socket.io-client.
 */
export type AckResult<Map extends EventsMap, Ev extends EventNames<Map>> = string extends keyof Map
  ? // biome-ignore lint/suspicious/noExplicitAny: untyped events resolve to any, as in socket.io-client
    any
  : EventParams<Map, Ev> extends [...unknown[], (first: infer R, ...rest: never[]) => unknown]
    ? R
    : unknown;

type AnyListener = (...args: unknown[]) => void;

/** Typed emitter: `Listen` events can be listened to, `Reserved` ones are emitted locally. */
export class Emitter<Listen extends EventsMap, Reserved extends EventsMap = Listen> {
  #listeners = new Map<string, AnyListener[]>();

  /** Adds a listener. */
  on<Ev extends EventNames<Listen & Reserved>>(
    event: Ev,
    listener: EventListener<Listen & Reserved, Ev>,
  ): this {
    const list = this.#listeners.get(event);
    if (list) list.push(listener as AnyListener);
    else this.#listeners.set(event, [listener as AnyListener]);
    return this;
  }

  /** Adds a listener that runs at most once. */
  once<Ev extends EventNames<Listen & Reserved>>(
    event: Ev,
    listener: EventListener<Listen & Reserved, Ev>,
  ): this {
    const wrapper = (...args: unknown[]): void => {
      this.off(event, wrapper as EventListener<Listen & Reserved, Ev>);
      (listener as AnyListener).apply(this, args);
    };
    (wrapper as { fn?: unknown }).fn = listener;
    return this.on(event, wrapper as EventListener<Listen & Reserved, Ev>);
  }

  /** Removes one listener, every listener of an event, or every listener. */
  off<Ev extends EventNames<Listen & Reserved>>(
    event?: Ev,
    listener?: EventListener<Listen & Reserved, Ev>,
  ): this {
    if (event === undefined) this.#listeners.clear();
    else if (listener === undefined) this.#listeners.delete(event);
    else {
      const list = this.#listeners.get(event) ?? [];
      this.#listeners.set(
        event,
        list.filter((l) => l !== listener && (l as { fn?: unknown }).fn !== listener),
      );
    }
    return this;
  }

  /** Alias of {@link off} for one listener. */
  removeListener<Ev extends EventNames<Listen & Reserved>>(
    event: Ev,
    listener: EventListener<Listen & Reserved, Ev>,
  ): this {
    return this.off(event, listener);
  }

  /** Removes every listener of `event`, or every listener. */
  removeAllListeners<Ev extends EventNames<Listen & Reserved>>(event?: Ev): this {
    return this.off(event);
  }

  /** The listeners of an event, in call order. */
  listeners<Ev extends EventNames<Listen & Reserved>>(
    event: Ev,
  ): EventListener<Listen & Reserved, Ev>[] {
    return (this.#listeners.get(event)?.slice() ?? []) as EventListener<Listen & Reserved, Ev>[];
  }

  /** True when an event has at least one listener. */
  hasListeners(event: string): boolean {
    return (this.#listeners.get(event)?.length ?? 0) > 0;
  }

  /** Fires a local event. */
  emitReserved<Ev extends EventNames<Reserved>>(
    event: Ev,
    ...args: EventParams<Reserved, Ev>
  ): void {
    const list = this.#listeners.get(event);
    if (!list) return;
    for (const listener of list.slice()) listener.apply(this, args);
  }
}

type Loose = {
  on(event: string, listener: (...args: never[]) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
};

/** Adds a listener to any emitter; returns the detach() that removes exactly it. */
export function listen(
  emitter: object,
  event: string,
  listener: (...args: never[]) => void,
): () => void {
  const e = emitter as Loose;
  e.on(event, listener);
  return () => e.off(event, listener);
}
