/**
 * @switchboard/engine: an Engine.IO v4 server. Sessions over HTTP long-polling and WebSocket,
 * and this project's SSE, JSONP and iframe-streaming transports, with upgrade, heartbeat,
 * limits, CORS and origin policy. See README.md.
 */

export { BadOptionError, JSONP_GLOBAL, SwitchboardError } from "@switchboard/protocol";
export type { CorsOptions, CustomOrigin, OriginVerdict, StaticOrigin } from "./cors.js";
export { checkOrigin, isOriginAllowed, isSameOrigin } from "./cors.js";
export { debugEnabled, type Trace, tracer } from "./debug.js";
export {
  type ConnectionErrorEvent,
  Engine,
  type EngineEvents,
  type Middleware,
} from "./engine.js";
export {
  EngineError,
  type EngineErrorCode,
  type EngineErrorEntry,
  type EngineErrorName,
  EngineErrors,
  EngineIoErrorCode,
  engineIoErrorMessages,
} from "./errors.js";
export type { HandshakeRequest } from "./handshake-request.js";
export { generateSessionId, nodeTagOf } from "./ids.js";
export {
  type AllowRequest,
  type CookieOptions,
  type EngineOptions,
  engineDefaults,
  type HttpCompressionOptions,
  type PerMessageDeflateOptions,
  type ResolvedEngineOptions,
  resolveEngineOptions,
} from "./options.js";
export {
  type SendData,
  type SendOptions,
  Session,
  type SessionCloseReason,
  type SessionEvents,
  type SessionState,
  type SessionTransport,
} from "./session.js";
export type {
  HttpServerTransport,
  HttpTransportFactory,
  ServerTransport,
  TransportCloseMode,
  TransportContext,
  TransportFactory,
  TransportFactoryMaker,
  TransportFailure,
  TransportSink,
  UpgradeTransportFactory,
} from "./transport.js";
export { transportRegistry } from "./transport-registry.js";
export type { UpgradeState } from "./upgrade.js";
