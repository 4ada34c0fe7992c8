/**
 * HTTP requests of the HTTP-based transports in browsers, with fetch (cache-buster, cookies,
 * headers, status check). Chosen by the package's `#http` import condition.
 */
import { type EnginePacket, encodeEnginePayloadAsync } from "@switchboard/protocol";
import { transportError } from "../core/errors.js";
import type { TransportContext } from "../core/transport.js";
import { stamp } from "./http.js";

/**
 * Fetches the transport's URL (with a fresh cache-buster); rejects with a transport error for
 * an HTTP error status. Opaque answers (no-cors requests) cannot be checked and pass.
 */
function request(ctx: TransportContext, init: RequestInit): Promise<Response> {
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

/** GETs the transport's URL (a poll) and resolves with the answer's text. */
export function getText(ctx: TransportContext, signal: AbortSignal): Promise<string> {
  return request(ctx, { signal }).then((res) => res.text());
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
