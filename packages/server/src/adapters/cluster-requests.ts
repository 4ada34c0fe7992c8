/**
 * Requests a cluster adapter sends to the other nodes and the responses it waits for. A request
 * ends exactly once: when every expected node has answered, when the nodes it still waits for
 * are gone, when `requestsTimeout` elapses (a coded error), or when the adapter closes.
 */
import { ClusterClosedError, ClusterTimeoutError } from "../errors.js";
import type { ClusterResponse } from "./cluster-messages.js";

/** Who a request waits for: these node ids, or (for buses that only count) this many nodes. */
export type Responders = ReadonlySet<string> | number;

interface Pending {
  readonly what: string;
  /** Node ids still owed a response, when the bus knows its nodes. */
  targets: Set<string> | undefined;
  /** How many responses complete the request (count mode), once known. */
  expected: number | undefined;
  /** Nodes that answered (by uid), and answers that carried no uid. */
  readonly answered: Set<string>;
  anonymous: number;
  /** Handles one response; returns false when it does not count towards completion. */
  readonly onResponse: (response: ClusterResponse) => boolean;
  readonly done: (err: Error | null) => void;
  readonly timer: NodeJS.Timeout;
}

/** The pending requests of one adapter, by request id. */
export class RequestTracker {
  readonly #pending = new Map<string, Pending>();

  /** Number of requests still waiting (for inspection and leak tests). */
  get size(): number {
    return this.#pending.size;
  }

  /**
   * Starts waiting for responses to request `id`. Until {@link RequestTracker.expect} says who
   * answers, responses are collected but the request cannot complete.
   */
  start(
    id: string,
    what: string,
    timeout: number,
    onResponse: (response: ClusterResponse) => boolean,
    done: (err: Error | null) => void,
  ): void {
    const timer = setTimeout(() => {
      const p = this.#pending.get(id);
      if (!p) return;
      const expected = p.targets ? p.targets.size + p.answered.size : (p.expected ?? Number.NaN);
      this.#end(id, new ClusterTimeoutError(what, this.#received(p), expected));
    }, timeout);
    timer.unref?.();
    this.#pending.set(id, {
      what,
      targets: undefined,
      expected: undefined,
      answered: new Set(),
      anonymous: 0,
      onResponse,
      done,
      timer,
    });
  }

  /** Says who request `id` waits for; ends it at once if that is nobody left. */
  expect(id: string, responders: Responders): void {
    const p = this.#pending.get(id);
    if (!p) return;
    if (typeof responders === "number") p.expected = Math.max(0, responders);
    else p.targets = new Set([...responders].filter((uid) => !p.answered.has(uid)));
    this.#check(id, p);
  }

  /** Hands a response to its request, if that request is still waiting. */
  respond(response: ClusterResponse): void {
    const id = response.data.requestId;
    const p = this.#pending.get(id);
    if (!p) return;
    if (!p.onResponse(response)) return;
    if (response.uid === undefined) p.anonymous++;
    else {
      p.answered.add(response.uid);
      p.targets?.delete(response.uid);
    }
    this.#check(id, p);
  }

  /** A node left or went silent: no request waits for it any more. */
  nodeGone(uid: string): void {
    for (const [id, p] of this.#pending) {
      if (p.targets?.delete(uid)) this.#check(id, p);
    }
  }

  /** Count mode: only `count` other nodes are left; requests stop waiting for more. */
  recount(count: number): void {
    for (const [id, p] of this.#pending) {
      if (p.expected !== undefined && count < p.expected) {
        p.expected = Math.max(count, this.#received(p));
        this.#check(id, p);
      }
    }
  }

  /** Whether any request waits on a count (so a periodic recount is worth its round trip). */
  get counting(): boolean {
    for (const p of this.#pending.values()) if (p.expected !== undefined) return true;
    return false;
  }

  /** Ends request `id` with `err` (its publish failed). */
  fail(id: string, err: Error): void {
    this.#end(id, err);
  }

  /** Ends every pending request with an error (the adapter is closing). */
  failAll(): void {
    for (const [id, p] of this.#pending) this.#end(id, new ClusterClosedError(p.what));
  }

  #received(p: Pending): number {
    return p.answered.size + p.anonymous;
  }

  #check(id: string, p: Pending): void {
    const complete = p.targets
      ? p.targets.size === 0
      : p.expected !== undefined && this.#received(p) >= p.expected;
    if (complete) this.#end(id, null);
  }

  #end(id: string, err: Error | null): void {
    const p = this.#pending.get(id);
    if (!p) return;
    this.#pending.delete(id);
    clearTimeout(p.timer);
    p.done(err);
  }
}
