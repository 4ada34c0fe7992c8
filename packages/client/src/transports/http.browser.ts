/**
 * HTTP requests of the HTTP-based transports in browsers (cache-buster, cookies, headers, status
 * check). Chosen by the package's `#http` import condition.
 *
 * Polls and CORS POSTs go through XMLHttpRequest: in Chromium, a fetch answer reaches the page in
 * two steps (the headers, then the body read from a stream) where an XHR's `load` brings both,
 * and that second step cost a polling client about 5% of its acks/s beside socket.io-client
 * (which uses XHR; `bench/load/run.ts --only=client-browser`). The no-cors POSTs of jsonp and
 * htmlfile, which XHR cannot make, go through fetch.
 */
import { type EnginePacket, encodeEnginePayloadAsync } from "@switchboard/protocol";
import { transportError } from "../core/errors.js";
import type { TransportContext } from "../core/transport.js";
import { stamp } from "./http.js";

/**
 * Requests the transport's URL (with a fresh cache-buster) and resolves with the answer's text;
 * rejects with a transport error for an HTTP error status (its `description`) or a failed
 * request (a network error, a CORS refusal, an abort through `signal`).
 */
function xhr(
  ctx: TransportContext,
  method: "GET" | "POST",
  body: string | null,
  signal?: AbortSignal,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = new XMLHttpRequest();
    req.open(method, ctx.url(stamp(ctx)));
    req.withCredentials = ctx.withCredentials;
    for (const [name, value] of Object.entries(ctx.extraHeaders)) req.setRequestHeader(name, value);
    // After a load, an error or an abort: status 0 for the last two.
    req.onloadend = () => {
      const status = req.status;
      if (status > 199 && status < 300) resolve(req.responseText);
      else reject(transportError(status ? `HTTP ${status}` : `${method} failed`, status || req));
    };
    signal?.addEventListener("abort", () => req.abort());
    req.send(body);
  });
}

/** GETs the transport's URL (a poll) and resolves with the answer's text. */
export function getText(ctx: TransportContext, signal: AbortSignal): Promise<string> {
  return xhr(ctx, "GET", null, signal);
}

/**
 * POSTs packets as one polling payload (a string body, sent as `text/plain;charset=UTF-8`). `simple`
 * makes it a no-cors request, which needs no preflight and no CORS answer (jsonp, htmlfile):
 * its answer is opaque and cannot be checked.
 */
export function postPayload(
  ctx: TransportContext,
  packets: EnginePacket[],
  simple: boolean,
): Promise<unknown> {
  return encodeEnginePayloadAsync(packets).then(
    (body): Promise<unknown> =>
      simple
        ? fetch(ctx.url(stamp(ctx)), {
            method: "POST",
            body,
            mode: "no-cors",
            credentials: ctx.withCredentials ? "include" : "same-origin",
          })
        : xhr(ctx, "POST", body),
  );
}
