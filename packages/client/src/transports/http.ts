/**
 * HTTP helpers shared by the HTTP-based transports: one fetch wrapper (cache-buster, cookies,
 * headers, status check) and the POST that carries client-to-server packets as a polling
 * payload.
 */
import { type EnginePacket, encodeEnginePayloadAsync } from "@switchboard/protocol";
import { transportError } from "../core/errors.js";
import type { TransportContext } from "../core/transport.js";

let counter = 0;

/** Extra query parameters of one request: the cache-buster when enabled. */
export function stamp(ctx: TransportContext): Record<string, string> {
  return ctx.timestampRequests
    ? { [ctx.timestampParam]: `${Date.now().toString(36)}${(counter++).toString(36)}` }
    : {};
}

/**
 * Fetches the transport's URL (with a fresh cache-buster); rejects with a transport error for
 * an HTTP error status. Opaque answers (no-cors requests) cannot be checked and pass.
 */
export function request(ctx: TransportContext, init: RequestInit): Promise<Response> {
  return fetch(ctx.url(stamp(ctx)), {
    cache: "no-store",
    credentials: ctx.withCredentials ? "include" : "same-origin",
    headers: ctx.extraHeaders,
    ...init,
  }).then((res) => {
    if (res.ok || res.type === "opaque") return res;
    throw transportError(`HTTP ${res.status}`, res.status);
  });
}

/**
 * POSTs packets as one polling payload (a string body: `text/plain;charset=UTF-8`). `simple`
 * makes it a no-cors request, which needs no preflight and no CORS answer (jsonp, htmlfile).
 */
export function postPayload(
  ctx: TransportContext,
  packets: EnginePacket[],
  simple: boolean,
): Promise<unknown> {
  return encodeEnginePayloadAsync(packets)
    .then((body) => request(ctx, { method: "POST", body, mode: simple ? "no-cors" : "cors" }))
    .then((res) => res.text());
}
