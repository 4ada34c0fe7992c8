/**
 * Messages between the harness and a server child process (bench/load/server.ts). The child
 * reports its port once it listens, and answers `stats` requests with its own CPU time and
 * memory so the harness can divide them by the traffic it generated.
 */

/**
 * The servers under test. "switchboard+metrics" is Switchboard with @switchboard/prometheus
 * registered, to measure what metrics cost in the same run as without (opt-in: `--targets`).
 */
export type TargetName = "socket.io" | "ws" | "switchboard" | "switchboard+metrics";

/** The targets of a run without `--targets`, in the order the table shows them. */
export const TARGETS: readonly TargetName[] = Object.freeze(["socket.io", "ws", "switchboard"]);

/** Every target `--targets` accepts, in the order the table shows them. */
export const ALL_TARGETS: readonly TargetName[] = Object.freeze([
  ...TARGETS,
  "switchboard+metrics",
]);

/** CPU and memory of the server process at one instant. */
export interface ServerStats {
  /** `process.cpuUsage()` in microseconds since the child started. */
  readonly cpu: { readonly user: number; readonly system: number };
  /** `process.memoryUsage()` in bytes, plus the new space's committed size. */
  readonly mem: {
    readonly rss: number;
    readonly heapUsed: number;
    readonly heapTotal: number;
    readonly external: number;
    readonly arrayBuffers: number;
    /**
     * Committed bytes of V8's young generation (`new_space` in v8.getHeapSpaceStatistics()):
     * it grows under allocation and its touched pages stay in RSS.
     */
    readonly newSpace: number;
  };
  /** Connections the server currently counts as open (its own bookkeeping). */
  readonly connections: number;
}

/** Child to harness. */
export type ChildMessage =
  | { readonly type: "ready"; readonly port: number }
  | { readonly type: "unavailable"; readonly reason: string }
  | ({ readonly type: "stats"; readonly id: number } & ServerStats);

/** Harness to child. `gc` asks for a full collection before measuring (needs --expose-gc). */
export type ParentMessage = { readonly type: "stats"; readonly id: number; readonly gc: boolean };

/** Narrows a value received over IPC to a ChildMessage (the channel carries `unknown`). */
export function isChildMessage(value: unknown): value is ChildMessage {
  if (typeof value !== "object" || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return type === "ready" || type === "unavailable" || type === "stats";
}

/** Narrows a value received over IPC to a ParentMessage. */
export function isParentMessage(value: unknown): value is ParentMessage {
  if (typeof value !== "object" || value === null) return false;
  const v = value as { type?: unknown; id?: unknown };
  return v.type === "stats" && typeof v.id === "number";
}
