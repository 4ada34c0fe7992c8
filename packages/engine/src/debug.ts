/**
 * Debug events on `node:diagnostics_channel`, published only when someone subscribes:
 * `switchboard:engine` carries `{ event, sid?, ... }` objects for handshakes, refusals,
 * upgrades and closes. Subscribe with `diagnostics_channel.subscribe("switchboard:engine", fn)`.
 */
import { channel } from "node:diagnostics_channel";

const engineChannel = channel("switchboard:engine");

/** Publishes a debug event when the channel has subscribers. */
export function trace(event: string, details: Record<string, unknown> = {}): void {
  if (engineChannel.hasSubscribers) engineChannel.publish({ event, ...details });
}
