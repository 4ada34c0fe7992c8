/**
 * HTTP requests of the HTTP-based transports in Node, on node:http / node:https (chosen by the
 * package's `#http` import condition; browsers get http.browser.ts on XMLHttpRequest). Requests go
 * through the `agent` option, or a keep-alive agent shared by the process, so that polls and
 * POSTs reuse their connections; the TLS options (`ca`, `cert`, `key`, `rejectUnauthorized`, …)
 * go with each request, and node:https keeps connections with different ones apart. Like browsers, requests accept gzip and deflate answers: a proxy that compresses (and buffers)
 * them treats this client as it treats a browser.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from "node:https";
import type { Readable } from "node:stream";
import { urlToHttpOptions } from "node:url";
import { createGunzip, createInflate } from "node:zlib";
import { type EnginePacket, encodeEnginePayload } from "@switchboard/protocol";
import { transportError } from "../core/errors.js";
import type { TransportContext } from "../core/transport.js";
import { stamp } from "./http.js";

/** The process's keep-alive agents, for requests without an `agent` option. */
const agents: Readonly<Record<string, HttpAgent>> = {
  "http:": new HttpAgent({ keepAlive: true }),
  "https:": new HttpsAgent({ keepAlive: true }),
};

/** A Node error as a transport error that keeps its message (e.g. "self-signed certificate"). */
function failed(error: Error): Error {
  return transportError(error.message, error);
}

/** What every request of one transport shares: where, how (agent, TLS), and the origin's length. */
interface Target {
  readonly options: RequestOptions;
  readonly secure: boolean;
  /** Length of "http(s)://host:port" at the start of the transport's URLs. */
  readonly originLength: number;
}

/** Per transport context, parsed once (a poll or POST per message should not parse a URL). */
const targets = new WeakMap<TransportContext, Target>();

function targetOf(ctx: TransportContext): Target {
  let target = targets.get(ctx);
  if (!target) {
    const url = new URL(ctx.url());
    const { agent, ca, cert, key, pfx, passphrase, ciphers, rejectUnauthorized, localAddress } =
      ctx.node;
    const tls = { ca, cert, key, pfx, passphrase, ciphers, rejectUnauthorized, localAddress };
    const { protocol, hostname, port } = urlToHttpOptions(url);
    target = {
      options: {
        ...(tls as RequestOptions),
        protocol,
        hostname,
        port,
        agent: agent === undefined ? agents[url.protocol] : (agent as HttpAgent | false),
      },
      secure: url.protocol === "https:",
      originLength: url.origin.length,
    };
    targets.set(ctx, target);
  }
  return target;
}

/**
 * Sends a request to the transport's URL (with a fresh cache-buster); resolves with the
 * response once its status is 2xx, rejects with a transport error otherwise.
 */
export function send(
  ctx: TransportContext,
  method: "GET" | "POST",
  headers: Record<string, string | number>,
  body: string | undefined,
  signal: AbortSignal | undefined,
): Promise<IncomingMessage> {
  const target = targetOf(ctx);
  const options: RequestOptions = {
    ...target.options,
    method,
    path: ctx.url(stamp(ctx)).slice(target.originLength),
    headers: { "accept-encoding": "gzip, deflate", ...ctx.extraHeaders, ...headers },
    signal,
  };
  return new Promise((resolve, reject) => {
    const attempt = (retry: boolean): void => {
      const req = (target.secure ? httpsRequest : httpRequest)(options, (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) return resolve(res);
        res.resume();
        reject(transportError(`HTTP ${status}`, status));
      });
      req.on("error", (error: NodeJS.ErrnoException) => {
        // A kept-alive connection the server closed while idle, just as this request went out
        // on it: the server read nothing of it, so it goes again, once, on a fresh connection.
        if (
          retry &&
          req.reusedSocket &&
          STALE_CONNECTION.has(error.code ?? "") &&
          !signal?.aborted
        ) {
          attempt(false);
          return;
        }
        reject(failed(error));
      });
      req.end(body);
    };
    attempt(true);
  });
}

/** How a request fails on a kept-alive connection that the server had closed. */
const STALE_CONNECTION: ReadonlySet<string> = new Set(["ECONNRESET", "EPIPE"]);

/** A response's body, decompressed when the server (or a proxy) compressed it. */
export function bodyOf(res: IncomingMessage): Readable {
  const encoding = res.headers["content-encoding"];
  if (encoding !== "gzip" && encoding !== "deflate") return res;
  const inflate = encoding === "gzip" ? createGunzip() : createInflate();
  res.on("error", (error) => inflate.destroy(error));
  return res.pipe(inflate);
}

/** Reads a response's body as text. */
function readText(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    const body = bodyOf(res);
    body.setEncoding("utf8");
    body.on("data", (chunk: string) => {
      text += chunk;
    });
    body.on("end", () => resolve(text));
    body.on("error", (error) => reject(failed(error)));
  });
}

/** GETs the transport's URL (a poll) and resolves with the answer's text. */
export function getText(ctx: TransportContext, signal: AbortSignal): Promise<string> {
  return send(ctx, "GET", {}, undefined, signal).then(readText);
}

/** POSTs packets as one polling payload, `text/plain;charset=UTF-8` (`simple`: no meaning in Node). */
export function postPayload(
  ctx: TransportContext,
  packets: EnginePacket[],
  _simple: boolean,
): Promise<unknown> {
  const body = encodeEnginePayload(packets);
  const headers = {
    "content-type": "text/plain;charset=UTF-8",
    "content-length": Buffer.byteLength(body),
  };
  return send(ctx, "POST", headers, body, undefined).then(readText);
}
