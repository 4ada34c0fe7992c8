/**
 * HTTP helpers shared by the HTTP-based transports: the cache-busting parameter and the POST
 * that carries client-to-server packets as a polling payload.
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
 * POSTs packets as one polling payload. `simple` makes it a CORS-simple request (text/plain,
 * no custom headers, no readable answer) for transports whose server may not answer CORS.
 */
export function postPayload(
  ctx: TransportContext,
  packets: EnginePacket[],
  simple: boolean,
): Promise<void> {
  return encodeEnginePayloadAsync(packets)
    .then((body) =>
      fetch(ctx.url(stamp(ctx)), {
        method: "POST",
        body,
        mode: simple ? "no-cors" : "cors",
        credentials: ctx.withCredentials ? "include" : "same-origin",
        headers: simple
          ? { "content-type": "text/plain;charset=UTF-8" }
          : { "content-type": "text/plain;charset=UTF-8", ...ctx.extraHeaders },
      }),
    )
    .then((res) => {
      if (!simple && !res.ok) throw transportError(`POST failed: ${res.status}`, res.status);
      return res.body?.cancel();
    });
}
