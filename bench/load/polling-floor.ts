/**
 * The long-polling floor, served by the bare `ws` target's child (bench/load/server.ts): the
 * least an Engine.IO long-polling echo can cost on plain node:http, so the table shows how close
 * socket.io and Switchboard come to what node:http itself costs per request. It does just
 * enough for the load generator's polling client and no protocol work: no validation of the
 * query, the method or the packets, no heartbeat, no timeouts, no session cleanup (the child
 * lives for one scenario).
 *
 *   GET  /socket.io/?…            (no sid)  -> `0{"sid":"<n>","upgrades":[],…}`, a new session
 *   POST /socket.io/?…&sid=<n>    body packets split on 0x1e: `40` queues `40{"sid":"<n>"}`,
 *                                 `42…` queues the same packet back, others are dropped -> `ok`
 *   GET  /socket.io/?…&sid=<n>    answers the queued packets joined by 0x1e, at once if any are
 *                                 queued, else as soon as a POST queues some
 *
 * Every answer is 200 with `Content-Type: text/plain; charset=UTF-8` and a Content-Length.
 */
import type { Server as HttpServer, ServerResponse } from "node:http";

const SEPARATOR = "\x1e";
const CONTENT_TYPE = "text/plain; charset=UTF-8";

/** One polling session: packets waiting for a GET, or a GET waiting for packets. */
interface FloorSession {
  readonly sid: string;
  queue: string[];
  waiting: ServerResponse | undefined;
}

function reply(res: ServerResponse, body: string): void {
  res.writeHead(200, { "Content-Type": CONTENT_TYPE, "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}

/** Answers the pending GET with everything queued, if there is both. */
function flush(session: FloorSession): void {
  const res = session.waiting;
  if (res === undefined || session.queue.length === 0) return;
  const body = session.queue.join(SEPARATOR);
  session.waiting = undefined;
  session.queue = [];
  reply(res, body);
}

function receive(session: FloorSession, body: string): void {
  for (const packet of body.split(SEPARATOR)) {
    if (packet === "40") session.queue.push(`40{"sid":"${session.sid}"}`);
    else if (packet.startsWith("42")) session.queue.push(packet);
  }
}

/** Answers `/socket.io/` polling requests on `http` (other paths: 404). */
export function servePollingFloor(http: HttpServer): void {
  const sessions = new Map<string, FloorSession>();
  let nextSid = 0;
  http.on("request", (req, res) => {
    const url = req.url ?? "";
    if (!url.startsWith("/socket.io/")) return void res.writeHead(404).end();
    const at = url.indexOf("&sid=");
    if (at < 0) {
      const sid = String(nextSid++);
      sessions.set(sid, { sid, queue: [], waiting: undefined });
      return reply(
        res,
        `0{"sid":"${sid}","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`,
      );
    }
    const end = url.indexOf("&", at + 5);
    const session = sessions.get(url.slice(at + 5, end < 0 ? undefined : end));
    if (session === undefined) return void res.writeHead(400).end();
    if (req.method !== "POST") {
      session.waiting = res;
      return flush(session);
    }
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      receive(session, Buffer.concat(chunks).toString("utf8"));
      reply(res, "ok");
      flush(session);
    });
  });
}
