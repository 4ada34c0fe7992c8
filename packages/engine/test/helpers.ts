/** Test helpers: an engine on a real server on port 0, raw HTTP requests, raw `ws` peers. */
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import WebSocket from "ws";
import { Engine, type EngineOptions, type Session } from "../src/index.js";

export interface Harness {
  engine: Engine;
  server: Server;
  port: number;
  /** "http://127.0.0.1:PORT" */
  origin: string;
  detach: () => void;
  close(): Promise<void>;
}

/** An engine attached to a fresh server listening on 127.0.0.1:0. */
export async function startEngine(options: EngineOptions = {}): Promise<Harness> {
  const server = createServer((_req, res) => {
    res.writeHead(404).end("not engine");
  });
  const engine = new Engine(options);
  const detach = engine.attach(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  return {
    engine,
    server,
    port,
    origin: `http://127.0.0.1:${port}`,
    detach,
    async close() {
      engine.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

/** One raw HTTP request to 127.0.0.1:port. */
export function send(
  port: number,
  method: string,
  path: string,
  options: {
    headers?: Record<string, string>;
    body?: string | Buffer;
    agent?: import("node:http").Agent;
  } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method,
        path,
        headers: options.headers,
        agent: options.agent ?? false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const body = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            text: body.toString(),
          });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

/** Engine path with a query. */
export function url(query: string): string {
  return `/engine.io/?${query}`;
}

/** Opens a polling session; returns the parsed open packet and the session object. */
export async function pollingHandshake(
  h: Harness,
  headers: Record<string, string> = {},
): Promise<{ sid: string; open: Record<string, unknown>; session: Session; res: RawResponse }> {
  const connected = once(h.engine, "connection") as Promise<[Session]>;
  const res = await send(h.port, "GET", url("EIO=4&transport=polling"), { headers });
  if (res.status !== 200 || !res.text.startsWith("0")) {
    throw new Error(`handshake failed: ${res.status} ${res.text}`);
  }
  const open = JSON.parse(res.text.slice(1)) as Record<string, unknown>;
  const [session] = await connected;
  return { sid: open.sid as string, open, session, res };
}

/** A raw `ws` peer that queues what it receives. */
export class Peer {
  readonly ws: WebSocket;
  private readonly inbox: (string | Buffer)[] = [];
  private readonly waiters: ((m: string | Buffer) => void)[] = [];
  readonly closed: Promise<number>;
  /** Rejects with the HTTP status when the upgrade is refused. */
  readonly opened: Promise<void>;

  constructor(port: number, query: string, headers: Record<string, string> = {}) {
    this.ws = new WebSocket(`ws://127.0.0.1:${port}/engine.io/?${query}`, { headers });
    this.ws.on("message", (data: Buffer, isBinary) => {
      const m = isBinary ? data : data.toString();
      const w = this.waiters.shift();
      if (w) w(m);
      else this.inbox.push(m);
    });
    this.closed = new Promise((resolve) => this.ws.once("close", (code) => resolve(code)));
    this.opened = new Promise((resolve, reject) => {
      this.ws.once("open", () => resolve());
      this.ws.once("unexpected-response", (_req, res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const err = new Error(`${res.statusCode} ${Buffer.concat(chunks).toString()}`);
          Object.assign(err, { status: res.statusCode, body: Buffer.concat(chunks).toString() });
          reject(err);
          this.ws.terminate();
        });
      });
      this.ws.once("error", reject);
    });
  }

  /** The next message received. */
  next(): Promise<string | Buffer> {
    const m = this.inbox.shift();
    if (m !== undefined) return Promise.resolve(m);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  send(data: string | Buffer): void {
    this.ws.send(data);
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close();
    await this.closed;
  }
}

/** Opens a WebSocket-only session; returns the peer and the parsed open packet. */
export async function wsHandshake(
  h: Harness,
): Promise<{ peer: Peer; open: Record<string, unknown>; session: Session }> {
  const connected = once(h.engine, "connection") as Promise<[Session]>;
  const peer = new Peer(h.port, "EIO=4&transport=websocket");
  await peer.opened;
  const first = (await peer.next()) as string;
  const open = JSON.parse(first.slice(1)) as Record<string, unknown>;
  const [session] = await connected;
  return { peer, open, session };
}
