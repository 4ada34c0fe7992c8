/**
 * Clients that stop reading, one per transport, speaking the wire by hand: each connects to the
 * main namespace, asks the server for a flood (`42["flood",ms,max]`), then reads no more.
 * Options: the CONNECT's `auth`, and a `signal` that aborts a client still connecting (its
 * requests and sockets are let go, and the promise rejects).
 */
import { once } from "node:events";
import { type IncomingMessage, request } from "node:http";
import { WirePeer } from "./wire-peer.ts";

/** One raw HTTP request; resolves with the status and body (for short answers). */
function http(
  url: string,
  method: "GET" | "POST",
  body?: string,
  signal?: AbortSignal,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false, signal }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        text += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** A client that stops reading; `stop()` lets go of its connections. */
export interface SlowClient {
  stop(): void;
}

/** What a slow client may be given (see the top of the file). */
export interface SlowOptions {
  auth?: Record<string, unknown>;
  signal?: AbortSignal;
}

/** How each slow client starts: connects, asks for a flood of `ms` and at most `max` events. */
export type SlowStart = (
  url: string,
  ms: number,
  max: number,
  options?: SlowOptions,
) => Promise<SlowClient>;

const flood = (ms: number, max: number): string => `2["flood",${ms},${max}]`;
const connectPacket = (options: SlowOptions): string =>
  `0${options.auth ? JSON.stringify(options.auth) : ""}`;

/** WebSocket: the socket is paused (its kernel buffers fill, then the server's). */
export async function slowWebSocket(
  url: string,
  ms: number,
  max: number,
  options: SlowOptions = {},
): Promise<SlowClient> {
  const peer = new WirePeer(url);
  const stop = () => peer.ws.terminate();
  options.signal?.addEventListener("abort", stop, { once: true });
  try {
    await peer.opened();
    peer.send(connectPacket(options));
    await peer.nextPacket();
  } finally {
    options.signal?.removeEventListener("abort", stop);
  }
  (peer.ws as unknown as { _socket: import("node:net").Socket })._socket.pause();
  peer.send(flood(ms, max));
  return { stop };
}

/** Long-polling: after the CONNECT answer, it never polls again. */
export async function slowPolling(
  url: string,
  ms: number,
  max: number,
  options: SlowOptions = {},
): Promise<SlowClient> {
  const { signal } = options;
  const base = `${url}/socket.io/?EIO=4&transport=polling`;
  const open = await http(base, "GET", undefined, signal);
  const sid = (JSON.parse(open.text.slice(1)) as { sid: string }).sid;
  const session = `${base}&sid=${sid}`;
  await http(session, "POST", `4${connectPacket(options)}`, signal);
  const connect = await http(session, "GET", undefined, signal);
  if (!connect.text.includes("40{")) throw new Error(`no CONNECT answer: ${connect.text}`);
  await http(session, "POST", `4${flood(ms, max)}`, signal);
  return { stop: () => {} };
}

/** SSE: the stream is opened, then its response is paused. */
export async function slowSse(
  url: string,
  ms: number,
  max: number,
  options: SlowOptions = {},
): Promise<SlowClient> {
  const { signal } = options;
  const base = `${url}/socket.io/?EIO=4&transport=sse`;
  const req = request(base, { agent: false, signal });
  req.end();
  const [res] = (await once(req, "response", { signal })) as [IncomingMessage];
  res.setEncoding("utf8");
  let text = "";
  const until = (pattern: RegExp): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const match = text.match(pattern);
        if (!match) return;
        res.off("data", onData);
        res.off("close", onClose);
        resolve(match);
      };
      const onClose = (): void => {
        res.off("data", onData);
        reject(new Error(`SSE stream closed before ${pattern}: ${text}`));
      };
      res.on("close", onClose);
      const onData = (chunk: string): void => {
        text += chunk;
        check();
      };
      res.on("data", onData);
      check();
    });
  const [, sid] = await until(/data: 0\{"sid":"([^"]+)"/);
  const session = `${base}&sid=${sid}`;
  await http(session, "POST", `4${connectPacket(options)}`, signal);
  await until(/data: 40\{/);
  res.pause();
  await http(session, "POST", `4${flood(ms, max)}`, signal);
  return { stop: () => req.destroy() };
}

/** A WebSocket client that echoes one message at a time until `stop()`; counts the answers. */
export async function echoLoop(url: string): Promise<{ stop(): Promise<number> }> {
  const { peer } = await WirePeer.open(url);
  peer.send("0");
  await peer.nextPacket();
  let running = true;
  let answered = 0;
  const loop = (async () => {
    for (let id = 0; running; id++) {
      peer.send(`2${id}["echo","hi"]`);
      const answer = await peer.nextPacket();
      if (answer !== `3${id}["hi"]`) throw new Error(`unexpected answer ${answer}`);
      answered++;
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      peer.close();
      return answered;
    },
  };
}
