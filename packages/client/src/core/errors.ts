/**
 * The client's error catalogue. Every error the client hands to an application is a
 * `ClientError` whose `code` names one entry of {@link ClientErrorCode}. Messages that
 * Socket.IO applications test for ("timeout", "operation has timed out", …) are kept.
 */

import { SwitchboardError } from "@switchboard/protocol";

/** Each entry of the catalogue with its default message; its code is `SB_ERR_` + the key. */
const catalogue = {
  /** The manager's `timeout` passed before the connection opened. */
  CONNECT_TIMEOUT: "timeout",
  /** Every transport of the ladder failed to open. */
  TRANSPORTS_EXHAUSTED: "no transport could connect",
  /** A transport failed (an HTTP error, a socket error, a stalled stream). */
  TRANSPORT_ERROR: "transport error",
  /**
   * The connection closed before the namespace connected; the message is the close reason
   * ("transport close", "transport error", …) and `description` what the engine gave for it.
   */
  CONNECTION_CLOSED: "connection closed",
  /** The server refused the namespace connection (its middleware called `next(err)`). */
  CONNECT_REFUSED: "connection refused by the server",
  /** An acknowledgement did not arrive in time. */
  ACK_TIMEOUT: "operation has timed out",
  /** The socket disconnected while an acknowledgement was awaited. */
  DISCONNECTED: "socket has been disconnected",
  /** The application tried to emit one of the reserved event names. */
  RESERVED_EVENT: "reserved event name",
  /**
   * An option out of its range, or one socket.io-client accepts that this client does not
   * implement (the message names it and says why), instead of ignoring it. Thrown as the
   * `BadOptionError` of @switchboard/protocol, which every package uses.
   */
  BAD_OPTION: "invalid option",
  /**
   * The server's origin policy refused this page (an HTTP 403 answered to a page of another
   * origin): allow the page's origin in the server's `cors.origin`.
   */
  ORIGIN_REFUSED: "origin refused by the server (cors.origin)",
} as const;

type CatalogueKey = keyof typeof catalogue;

/** Stable codes of the client's errors, e.g. `ClientErrorCode.ACK_TIMEOUT` is `SB_ERR_ACK_TIMEOUT`. */
export const ClientErrorCode = Object.freeze(
  Object.fromEntries(Object.keys(catalogue).map((key) => [key, `SB_ERR_${key}`])),
) as { readonly [K in CatalogueKey]: `SB_ERR_${K}` };

/** One of the codes in {@link ClientErrorCode}. */
export type ClientErrorCode = (typeof ClientErrorCode)[CatalogueKey];

/** The default message of a code. */
export function clientErrorMessage(code: ClientErrorCode): string {
  return catalogue[code.slice(7) as CatalogueKey];
}

/** An error raised by the client (bad options: the `BadOptionError` every package shares). */
export class ClientError extends SwitchboardError {
  /** Always `"ClientError"`. */
  override readonly name = "ClientError";
  /** Stable machine-readable code, one of this catalogue's (`SB_ERR_` + its key). */
  declare readonly code: ClientErrorCode;
  /** Extra data: the server's `data` for a refused connection, the failed transports, … */
  declare data?: unknown;
  /** Socket.IO compatibility: `"TransportError"` for transport failures. */
  declare type?: string;
  /** The transport or request that failed, when there is one. */
  declare description?: unknown;

  constructor(code: ClientErrorCode, message?: string, options?: { cause?: unknown }) {
    super(code, message ?? clientErrorMessage(code), options);
  }
}

/** A transport failure: `type` "TransportError" and a description, as Engine.IO's client. */
export function transportError(message: string, description?: unknown): ClientError {
  const error = new ClientError(ClientErrorCode.TRANSPORT_ERROR, message);
  error.type = "TransportError";
  error.description = description;
  return error;
}

/** Whether this is a browser page of another origin than the server's. */
function foreignPage(serverOrigin: string): boolean {
  const page = (globalThis as { location?: { origin?: unknown } }).location?.origin;
  return typeof page === "string" && page !== serverOrigin;
}

/**
 * The refusal a transport failure stands for: an HTTP 403 answered to a page of another origin
 * is the server's origin policy (a Switchboard server lets the refused page read that status).
 */
export function originRefusal(error: unknown, serverOrigin: string): ClientError | undefined {
  if ((error as { description?: unknown } | undefined)?.description !== 403) return undefined;
  if (!foreignPage(serverOrigin)) return undefined;
  const refusal = new ClientError(ClientErrorCode.ORIGIN_REFUSED, undefined, { cause: error });
  refusal.type = "TransportError";
  refusal.description = 403;
  return refusal;
}

/**
 * Every transport failed, none with a readable refusal. A browser never tells a page why a
 * WebSocket, an EventSource or an iframe failed to open: for a page of another origin, the
 * message says it may be the origin policy.
 */
export function transportsExhausted(serverOrigin: string): ClientError {
  const error = new ClientError(
    ClientErrorCode.TRANSPORTS_EXHAUSTED,
    foreignPage(serverOrigin)
      ? "no transport could connect (origin refused by the server?)"
      : undefined,
  );
  error.type = "TransportError";
  return error;
}
