/**
 * deploy/nginx/switchboard-cluster.conf balances new sessions by load (least_conn), not by
 * turns: with 100 WebSockets held open on one node, the next 60 handshakes land on the other
 * two. A control run with the least_conn line removed (round-robin) shows the check can fail.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, test } from "node:test";
import { Server } from "@switchboard/server";
import { type Socket as ClientSocket, io as connect } from "socket.io-client";
import { replaceOnce, startDeployNginx } from "./harness.js";

interface Node {
  tag: string;
  io: Server;
  http: HttpServer;
  port: number;
}

const nodes: Node[] = [];
const sockets: ClientSocket[] = [];

after(async () => {
  for (const s of sockets) s.disconnect();
  for (const node of nodes) {
    node.http.closeAllConnections();
    await node.io.close();
  }
});

async function startNode(tag: string): Promise<Node> {
  const http = createServer();
  const io = new Server(http, { nodeTag: tag });
  io.on("connection", (socket) => socket.emit("welcome", tag));
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  const node = { tag, io, http, port: (http.address() as AddressInfo).port };
  nodes.push(node);
  return node;
}

/** Stops accepting connections (a restarting node); the connections it has stay open. */
function pause(node: Node): void {
  node.http.close();
  assert.equal(node.http.listening, false);
}

async function resume(node: Node): Promise<void> {
  node.http.listen(node.port, "127.0.0.1");
  await once(node.http, "listening");
}

/** A WebSocket-only client through nginx; resolves with the tag of the node that welcomed it. */
async function handshake(url: string): Promise<string> {
  const socket = connect(url, { forceNew: true, reconnection: false, transports: ["websocket"] });
  sockets.push(socket);
  return new Promise((resolve, reject) => {
    socket.once("welcome", (tag: string) => resolve(tag));
    socket.once("connect_error", reject);
  });
}

/** `max_fails=0` on every server line (six: three node upstreams, three in switchboard_any). */
function withoutFailureAccounting(conf: string): string {
  const servers = /(server \$\{SWITCHBOARD_N\d\});/g;
  assert.equal(conf.match(servers)?.length, 6);
  return conf.replace(servers, "$1 max_fails=0;");
}

async function run(edit: (conf: string) => string): Promise<Record<string, number>> {
  const [n1, n2, n3] = nodes.length ? nodes : await Promise.all(["n1", "n2", "n3"].map(startNode));
  // Every request goes to the least-loaded node that answers; failure accounting is off so that
  // a paused node is tried again as soon as it listens (no fail_timeout to wait out).
  const nginx = await startDeployNginx(
    "switchboard-cluster.conf",
    {
      SWITCHBOARD_N1: `127.0.0.1:${n1!.port}`,
      SWITCHBOARD_N2: `127.0.0.1:${n2!.port}`,
      SWITCHBOARD_N3: `127.0.0.1:${n3!.port}`,
    },
    (conf) => edit(withoutFailureAccounting(conf)),
  );
  try {
    pause(n2!);
    pause(n3!);
    const held: string[] = [];
    for (let i = 0; i < 100; i++) held.push(await handshake(nginx.url));
    assert.deepEqual(new Set(held), new Set(["n1"]), "with n2 and n3 away, n1 holds all 100");
    await resume(n2!);
    await resume(n3!);
    const next: Record<string, number> = { n1: 0, n2: 0, n3: 0 };
    for (let i = 0; i < 60; i++) {
      const tag = await handshake(nginx.url);
      next[tag] = (next[tag] ?? 0) + 1;
    }
    return next;
  } finally {
    for (const s of sockets.splice(0)) s.disconnect();
    await nginx.stop();
  }
}

test("least_conn: with 100 WebSockets held on one node, the next 60 handshakes go to the other two", async () => {
  const next = await run((conf) => conf);
  console.log(`# least_conn: the 60 handshakes after 100 held on n1 went ${JSON.stringify(next)}`);
  assert.equal(next.n1, 0, `none on the loaded node: ${JSON.stringify(next)}`);
  assert.equal(next.n2! + next.n3!, 60);
  assert.ok(next.n2! > 0 && next.n3! > 0, "both idle nodes take new sessions");
});

test("control: round-robin (least_conn removed) puts some of them on the loaded node", async () => {
  const next = await run((conf) => replaceOnce(conf, /^\s*least_conn;\n/m, ""));
  console.log(`# round-robin control: ${JSON.stringify(next)}`);
  assert.ok(next.n1! > 0, `round-robin sends new sessions to n1 too: ${JSON.stringify(next)}`);
});
