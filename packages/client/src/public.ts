/** Exports shared by every entry point (everything but the transports and `io`). */

export { BadOptionError, SwitchboardError } from "@switchboard/protocol";
export { type BackoffParams, backoffDelay } from "./core/backoff.js";
export { type DebugSink, setDebugSink } from "./core/debug.js";
export {
  type DefaultEventsMap,
  Emitter,
  type EventNames,
  type EventParams,
  type EventsMap,
} from "./core/emitter.js";
export type {
  EngineClient,
  EngineCloseReason,
  EngineEvents,
  EngineState,
} from "./core/engine.js";
export { ClientError, ClientErrorCode, clientErrorMessage } from "./core/errors.js";
export { forgetTransports, type TransportMemory } from "./core/ladder.js";
export type { ManagerCloseReason, ManagerEvents, ManagerState } from "./core/manager.js";
export {
  type AgentLike,
  type AuthOption,
  type ClientOptions,
  defaultOptions,
  type EngineOptions,
  type ManagerOptions,
  type NodeOptions,
  type Parser,
  type ParserPacket,
  type SocketOptions,
  type TlsData,
  type UnsupportedOptions,
} from "./core/options.js";
export { type DisconnectReason, Socket, type SocketReservedEvents } from "./core/socket.js";
export type {
  ClientTransport,
  TransportContext,
  TransportFactory,
  TransportHandlers,
  TransportName,
} from "./core/transport.js";

/** The Socket.IO protocol revision this client speaks. */
export const protocol = 5;
