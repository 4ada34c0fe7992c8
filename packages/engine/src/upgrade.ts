/**
 * One upgrade attempt (Engine.IO v4 spec, "Upgrade"): on the new transport the client sends
 * `2probe`, the server answers `3probe`; the client then sends `5` and the session moves over.
 * Anything else, a failure of the new transport, or `upgradeTimeout` abandons the attempt and
 * the session stays where it was.
 */
import type { IncomingMessage } from "node:http";
import type { EnginePacket } from "@switchboard/protocol";
import { trace } from "./debug.js";
import { EngineError } from "./errors.js";
import { queryOf } from "./http-edge.js";
import type { ServerTransport, TransportSink } from "./transport.js";

/**
 * The upgrades a handshake offers, among those `allowed` from its transport: `websocket`, which
 * every Engine.IO v4 client knows, and the others (this project's own, such as `sse`) only when
 * the handshake's `upgrades` query parameter names them, so a plain Engine.IO client is never
 * offered a transport it does not have.
 */
export function offeredUpgrades(
  allowed: readonly string[],
  handshake: IncomingMessage,
): readonly string[] {
  if (allowed.length === 0 || (allowed.length === 1 && allowed[0] === "websocket")) return allowed;
  const asked = queryOf(handshake).get("upgrades")?.split(",") ?? [];
  return allowed.filter((name) => name === "websocket" || asked.includes(name));
}

/** "probing": waiting for `2probe`; "probed": `3probe` sent, waiting for `5`. */
export type UpgradeState = "probing" | "probed";

/** What an attempt reports to its session. */
export interface UpgradeHooks {
  /** The probe succeeded: writes on the old transport should stop. */
  probed(transport: ServerTransport): void;
  /** The client sent `5`: the session should switch to `transport`. */
  complete(transport: ServerTransport): void;
  /** The attempt was abandoned (the new transport is closed already). */
  failed(error: EngineError): void;
}

/** An upgrade in progress; the session holds at most one. */
export class UpgradeAttempt {
  private _state: UpgradeState = "probing";
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly transport: ServerTransport,
    timeout: number,
    private readonly hooks: UpgradeHooks,
  ) {
    const sink: TransportSink = {
      onTransportPacket: (packet) => this.onPacket(packet),
      onTransportError: (_reason, error) => this.fail(error),
      onTransportClose: () =>
        this.fail(new EngineError("UPGRADE_FAILED", "The new transport closed")),
      onTransportDrain: () => {},
    };
    transport.setSink(sink);
    this.timer = setTimeout(() => this.fail(new EngineError("UPGRADE_TIMEOUT")), timeout);
  }

  /** Where the attempt is. */
  get state(): UpgradeState {
    return this._state;
  }

  /** Abandons the attempt and closes the new transport (the session is closing). */
  abort(): void {
    clearTimeout(this.timer);
    this.transport.setSink(null);
    this.transport.close("immediate");
  }

  private onPacket(packet: EnginePacket): void {
    if (this._state === "probing" && packet.type === "ping" && packet.data === "probe") {
      this._state = "probed";
      this.transport.send([{ type: "pong", data: "probe" }], { compress: false });
      trace("upgrade probed", { transport: this.transport.name });
      this.hooks.probed(this.transport);
    } else if (this._state === "probed" && packet.type === "upgrade") {
      clearTimeout(this.timer);
      this.transport.setSink(null);
      this.hooks.complete(this.transport);
    } else {
      this.fail(new EngineError("UPGRADE_FAILED", `Unexpected "${packet.type}" packet`));
    }
  }

  private fail(error: EngineError): void {
    trace("upgrade failed", { code: error.code, message: error.message });
    this.abort();
    this.hooks.failed(error);
  }
}
