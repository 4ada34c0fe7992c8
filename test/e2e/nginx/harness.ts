/**
 * Shared parts of the nginx suites: nginx itself (test/support/nginx.ts, re-exported here)
 * and Switchboard nodes on port 0.
 */
import { once } from "node:events";
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server, type ServerOptions } from "@switchboard/server";

export {
  NGINX,
  type RunningNginx,
  replaceOnce,
  startDeployNginx,
} from "../../support/nginx.ts";

/** One `connection_error` of a node's engine. */
export interface Refusal {
  code: number;
  message: string;
  sbCode: string | undefined;
  /** Method and URL of the refused request. */
  request: string;
}

/** A Switchboard server on its own loopback port, with the refusals its engine reported. */
export interface SwitchboardNode {
  readonly tag: string;
  readonly io: Server;
  readonly port: number;
  /** `host:port`, as an nginx `server` line wants it. */
  readonly address: string;
  /** Engine refusals (`connection_error`), by Engine.IO code and message. */
  readonly refusals: Refusal[];
  /** Sockets connected to this node so far. */
  connections: number;
  /** Resolves once the node has no engine session left; rejects after `ms`. */
  whenIdle(ms: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts a Switchboard server whose session ids carry `tag`. Each socket gets a "welcome" event
 * naming the node, and "echo" acks `{ node, data }`.
 */
export async function startNode(
  tag: string,
  options: ServerOptions = {},
): Promise<SwitchboardNode> {
  const http: HttpServer = createServer();
  const io = new Server(http, { nodeTag: tag, ...options });
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  const { port } = http.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  const node: SwitchboardNode = {
    tag,
    io,
    port,
    address: `127.0.0.1:${port}`,
    refusals: [],
    connections: 0,
    whenIdle(ms) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (io.engine.clientsCount > 0) return;
          clearTimeout(timer);
          idleWaiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          idleWaiters.delete(check);
          reject(new Error(`node ${tag}: ${io.engine.clientsCount} sessions left after ${ms} ms`));
        }, ms);
        idleWaiters.add(check);
        check();
      });
    },
    close() {
      // Closes the sockets, the engine and the http server; once, however often it is called.
      closing ??= io.close();
      return closing;
    },
  };
  io.engine.on("connection_error", (err) => {
    const sbCode = typeof err.context.sbCode === "string" ? err.context.sbCode : undefined;
    const request = `${err.req.method} ${err.req.url} ${err.req.headers["user-agent"] ?? ""}`;
    node.refusals.push({ code: err.code, message: err.message, sbCode, request });
  });
  const idleWaiters = new Set<() => void>();
  io.engine.on("connection", (session) => {
    // After the engine's own close listener has removed the session from its count.
    session.on("close", () =>
      setImmediate(() => {
        for (const check of [...idleWaiters]) check();
      }),
    );
  });
  io.on("connection", (socket) => {
    node.connections++;
    socket.emit("welcome", tag);
    socket.on("echo", (data: unknown, ack: unknown) => {
      if (typeof ack === "function") ack({ node: tag, data });
    });
  });
  return node;
}
