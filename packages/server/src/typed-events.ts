/**
 * Typed event maps. `Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>` threads its
 * maps through every namespace, socket and broadcast operator so that `on`, `emit`, acks and
 * `timeout()` are all checked against the application's declared events.
 */
import { EventEmitter } from "node:events";

// biome-ignore lint/suspicious/noExplicitAny: listener parameters must stay inferable per event
type AnyListener = (...args: any[]) => void;

/** A map from event name to listener signature. */
export interface EventsMap {
  // biome-ignore lint/suspicious/noExplicitAny: `any` lets interfaces without an index signature satisfy the map
  [event: string]: any;
}

/** The map used when none is given: any event, any arguments. */
export interface DefaultEventsMap {
  [event: string]: AnyListener;
}

/** True for a map with a string index signature (untyped events). */
type IsUntyped<Map> = string extends keyof Map ? true : false;

/**
 * `socket.data` when no SocketData type is given: `any`, as in Socket.IO, so that untyped
 * applications can write `socket.data.user = ...`. It is the application's own data, never
 * data off the wire (that stays `unknown`, e.g. `handshake.auth`).
 */
// biome-ignore lint/suspicious/noExplicitAny: drop-in compatibility for untyped applications
export type DefaultSocketData = any;

/** Names of the events in a map. */
export type EventNames<Map extends EventsMap> = keyof Map & (string | symbol);

/** The argument list of one event. */
export type EventParams<Map extends EventsMap, Ev extends EventNames<Map>> = Parameters<Map[Ev]>;

/** Names, from either map. */
export type ReservedOrUserEventNames<Reserved extends EventsMap, User extends EventsMap> =
  | EventNames<Reserved>
  | EventNames<User>;

/** The listener type for an event name: the reserved signature wins over the user's. */
export type ReservedOrUserListener<
  Reserved extends EventsMap,
  User extends EventsMap,
  Ev extends ReservedOrUserEventNames<Reserved, User>,
> = FallbackToUntypedListener<
  Ev extends EventNames<Reserved> ? Reserved[Ev] : Ev extends EventNames<User> ? User[Ev] : never
>;

/** `never` (an event no map declares) becomes an untyped listener, as in Socket.IO. */
type FallbackToUntypedListener<T> = [T] extends [never] ? AnyListener : T;

/** The last element of a tuple. */
export type Last<T extends unknown[]> = T extends [...infer _H, infer L] ? L : never;

/** A tuple without its last element. */
export type AllButLast<T extends unknown[]> = T extends [...infer H, infer _L] ? H : never;

/** The first argument of a callback, or never. */
export type FirstArg<T> = T extends (arg: infer A, ...rest: never[]) => unknown ? A : never;

/** The first argument of an ack callback that is not an error slot. */
export type FirstNonErrorArg<T> = T extends (...args: infer P) => unknown
  ? P extends [infer A, ...unknown[]]
    ? A extends Error
      ? P extends [unknown, infer B, ...unknown[]]
        ? B
        : never
      : A
    : never
  : never;

/** Events whose last parameter is an ack callback. */
type HasAck<F> = F extends (...args: infer P) => unknown
  ? Last<P> extends (...args: never[]) => unknown
    ? true
    : false
  : false;

/**
 * The events as `timeout(ms)` sees them on one socket: an ack callback `(a) => void` becomes
 * `(err: Error, a) => void`.
 */
export type DecorateAcknowledgements<E> =
  IsUntyped<E> extends true
    ? E
    : {
        [K in keyof E]: E[K] extends (...args: infer P) => infer R
          ? HasAck<E[K]> extends true
            ? (...args: [...AllButLast<P>, PrependError<Last<P>>]) => R
            : E[K]
          : E[K];
      };

type PrependError<F> = F extends (...args: infer A) => infer R ? (err: Error, ...args: A) => R : F;

/**
 * The events as a broadcast with `timeout(ms)` sees them: the ack callback gets an error and
 * the array of every client's response.
 */
export type DecorateAcknowledgementsWithMultipleResponses<E> =
  IsUntyped<E> extends true
    ? E
    : {
        [K in keyof E]: E[K] extends (...args: infer P) => infer R
          ? HasAck<E[K]> extends true
            ? (...args: [...AllButLast<P>, MultipleResponses<Last<P>>]) => R
            : E[K]
          : E[K];
      };

type MultipleResponses<F> = F extends (arg: infer A, ...rest: never[]) => infer R
  ? (err: Error, responses: A[]) => R
  : F;

/** A broadcast without `timeout()` cannot take an ack: its ack events are removed. */
export type RemoveAcknowledgements<E extends EventsMap> = {
  [K in keyof E as HasAck<E[K]> extends true ? never : K]: E[K];
};

/** Events that expect an acknowledgement. */
export type EventNamesWithAck<Map extends EventsMap> =
  IsUntyped<Map> extends true
    ? EventNames<Map>
    : {
        [K in keyof Map]: HasAck<Map[K]> extends true ? K : never;
      }[keyof Map] &
        (string | symbol);

/** `emitWithAck` arguments: the event's arguments without the ack callback. */
export type EventParamsWithoutAck<Map extends EventsMap, Ev extends EventNames<Map>> =
  IsUntyped<Map> extends true ? unknown[] : AllButLast<EventParams<Map, Ev>>;

/** What `emitWithAck` resolves to for one socket. */
export type AckResult<Map extends EventsMap, Ev extends EventNames<Map>> =
  // biome-ignore lint/suspicious/noExplicitAny: untyped events resolve to any, as in Socket.IO
  IsUntyped<Map> extends true ? any : FirstNonErrorArg<Last<EventParams<Map, Ev>>>;

/**
 * What a broadcast `emitWithAck` resolves to: the responses of every client (the operator's map
 * is already decorated, so the ack is `(err, responses) => void`).
 */
export type AckResults<Map extends EventsMap, Ev extends EventNames<Map>> =
  IsUntyped<Map> extends true
    ? // biome-ignore lint/suspicious/noExplicitAny: untyped events resolve to any[], as in Socket.IO
      any[]
    : Last<EventParams<Map, Ev>> extends (err: Error, responses: infer R) => unknown
      ? R
      : unknown[];

/**
 * An EventEmitter whose `on`/`once`/`off` are checked against a map of listened events and a
 * map of reserved (emitted-by-the-library) events. Reserved events go out through
 * {@link StrictEventEmitter.emitReserved}.
 */
export abstract class StrictEventEmitter<
  ListenEvents extends EventsMap,
  ReservedEvents extends EventsMap,
> extends EventEmitter {
  /** Adds a listener. */
  override on<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev: Ev,
    listener: ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>,
  ): this {
    return super.on(ev, listener);
  }

  /** Adds a one-time listener. */
  override once<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev: Ev,
    listener: ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>,
  ): this {
    return super.once(ev, listener);
  }

  /** Removes a listener. */
  override off<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev: Ev,
    listener: ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>,
  ): this {
    return super.off(ev, listener);
  }

  /** Emits a reserved event to local listeners. */
  protected emitReserved<Ev extends EventNames<ReservedEvents>>(
    ev: Ev,
    ...args: EventParams<ReservedEvents, Ev>
  ): boolean {
    return super.emit(ev, ...args);
  }

  /** Emits any event to local listeners, untyped (used to dispatch incoming events). */
  protected emitUntyped(ev: string, ...args: unknown[]): boolean {
    return super.emit(ev, ...args);
  }

  /** Like {@link StrictEventEmitter.emitUntyped}, with the name and arguments as one array. */
  protected emitUntypedArgs(nameAndArgs: readonly unknown[]): boolean {
    return Reflect.apply(EventEmitter.prototype.emit, this, nameAndArgs);
  }
}
