/**
 * @switchboard/server: a Socket.IO v5-compatible server. `import { Server } from
 * "@switchboard/server"` is meant as a drop-in for `socket.io`'s.
 */
export type {
  Adapter,
  AdapterConstructor,
  AdapterEmitter,
  AdapterEvents,
  AdapterNamespace,
  AdapterSocket,
  BroadcastFlags,
  BroadcastOptions,
  PrivateSessionId,
  RecoveredSnapshot,
  Room,
  SocketDetails,
  SocketId,
  SocketSnapshot,
  WriteOptions,
} from "./adapters/adapter.js";
export {
  ClusterAdapter,
  type ClusterAdapterOptions,
  defaultClusterAdapterOptions,
  randomId,
} from "./adapters/cluster-adapter.js";
export {
  type ClusterMessage,
  ClusterMessageType,
  type ClusterResponse,
  checkClusterMessage,
  decodeOptions,
  type EncodedBroadcastOptions,
  type EncodedSocketDetails,
  encodeOptions,
  isClusterResponse,
} from "./adapters/cluster-messages.js";
export type { Responders } from "./adapters/cluster-requests.js";
export { InMemoryAdapter } from "./adapters/in-memory-adapter.js";
export { RecoveryStore } from "./adapters/recovery-store.js";
export { BroadcastOperator, RemoteSocket } from "./broadcast-operator.js";
export {
  Client,
  type ClientState,
  Connection,
  type ConnectionState,
  MAX_NAMESPACE_NAME_LENGTH,
} from "./connection.js";
export { type Trace, tracer } from "./debug.js";
export {
  AckTimeoutError,
  BadOptionError,
  ClusterClosedError,
  ClusterPublishError,
  ClusterTimeoutError,
  InvalidNamespaceError,
  NotAttachedError,
  ProtocolViolationError,
  ReservedEventError,
  ServerError,
  ServerErrorCode,
  ServerErrors,
  SwitchboardError,
  serverErrors,
} from "./errors.js";
export type { Handshake } from "./handshake.js";
export type { SocketMiddleware } from "./middleware.js";
export {
  Namespace,
  type NamespaceMiddleware,
  type NamespaceReservedEvents,
} from "./namespace.js";
export {
  type ConnectionStateRecoveryOptions,
  defaultServerOptions,
  type ResolvedServerOptions,
  resolveOptions,
  type ServerOptions,
} from "./options.js";
export { type NamespaceMatcher, ParentNamespace } from "./parent-namespace.js";
export type {
  EncodedFrames,
  Parser,
  ParserDecoder,
  ParserEncoder,
} from "./parser.js";
export { type ConnectionPolicy, Pipeline, type PolicyHost } from "./pipeline.js";
export { flowControl } from "./policies/flow-control.js";
export { type TrafficSink, trafficMetrics } from "./policies/metrics.js";
export {
  type BucketOptions,
  RATE_LIMIT_EVENT,
  type RateLimitNotice,
  type RateLimitOptions,
  rateLimit,
} from "./policies/rate-limit.js";
export { type DisconnectReason, RESERVED_EVENTS } from "./reserved.js";
export {
  type CloseOptions,
  Server,
  type ServerReservedEvents,
  type ServerState,
} from "./server.js";
export type {
  EngineLike,
  EngineSession,
  HandshakeRequest,
  SessionCloseReason,
  SessionData,
  SessionPacketInfo,
  SessionState,
  SessionTransportInfo,
} from "./session.js";
export { Socket, type SocketReservedEvents, type SocketState } from "./socket.js";
export type {
  DecorateAcknowledgements,
  DecorateAcknowledgementsWithMultipleResponses,
  DefaultEventsMap,
  DefaultSocketData,
  EventNames,
  EventParams,
  EventsMap,
} from "./typed-events.js";
