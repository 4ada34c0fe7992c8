/**
 * The Node client's TLS options against real TLS: an official socket.io 4.8 server (websocket,
 * polling) and this project's server (sse) on node:https with a self-signed certificate made by
 * the `openssl` CLI for this run. Without `ca` (or `rejectUnauthorized: false`) the client must
 * refuse the server; with either it connects. A client certificate (`cert`, `key`) reaches a
 * server that asks for one, and a custom `agent` carries the requests.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { Agent, createServer, type Server as HttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { TLSSocket } from "node:tls";
import { type ClientOptions, io, type Socket } from "@switchboard/client";
import { Server as SbServer } from "@switchboard/server";
import { Server as SioServer } from "socket.io";

/** A self-signed certificate for 127.0.0.1, made for this run. */
function selfSigned(dir: string, name: string): { key: string; cert: string } {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "1",
      "-subj",
      `/CN=${name}`,
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-keyout",
      key,
      "-out",
      cert,
    ],
    { stdio: "ignore" },
  );
  return { key: readFileSync(key, "utf8"), cert: readFileSync(cert, "utf8") };
}

const dir = mkdtempSync(join(tmpdir(), "sb-tls-"));
const server = selfSigned(dir, "server");
const client = selfSigned(dir, "client");

/** Connects; resolves with the socket, or with the connect_error. */
function attempt(url: string, options: ClientOptions): Promise<Socket | Error> {
  const socket = io(url, { forceNew: true, reconnection: false, upgrade: false, ...options });
  return new Promise((resolve) => {
    socket.on("connect", () => resolve(socket));
    socket.on("connect_error", (error) => {
      socket.disconnect();
      resolve(error);
    });
  });
}

/** Every transport the ladder tried failed on the certificate. */
function assertRefusedOnCertificate(result: Socket | Error): void {
  assert.ok(result instanceof Error, "connected to a server whose certificate does not verify");
  const failures = (result as Error & { data?: { message: string }[] }).data ?? [];
  assert.ok(failures.length > 0, `${result.message}: no transport failures listed`);
  for (const f of failures) assert.match(f.message, /self[- ]signed certificate/);
}

async function roundTrip(socket: Socket): Promise<unknown> {
  const echoed = await socket.emitWithAck("echo", "over tls");
  socket.disconnect();
  return echoed;
}

const servers: [name: string, transports: ("websocket" | "polling" | "sse")[]][] = [
  ["socket.io 4.8", ["websocket", "polling"]],
  ["this project's server", ["websocket", "polling", "sse"]],
];

for (const [serverName, transports] of servers) {
  describe(`TLS with a self-signed certificate, ${serverName}`, () => {
    let https: HttpsServer;
    let close: () => Promise<void>;
    let url = "";
    let clientCerts: unknown[] = [];
    before(async () => {
      // Asks for a client certificate, without requiring one, and records what came.
      https = createServer({ ...server, requestCert: true, rejectUnauthorized: false });
      https.on("secureConnection", (tls: TLSSocket) => {
        clientCerts.push(tls.getPeerCertificate()?.subject?.CN);
      });
      if (serverName === "socket.io 4.8") {
        const io = new SioServer(https);
        io.on("connection", (s) => s.on("echo", (m: unknown, ack: (m: unknown) => void) => ack(m)));
        close = () => new Promise((resolve) => io.close(() => resolve()));
      } else {
        const sb = new SbServer(https, {});
        sb.on("connection", (s) => s.on("echo", (m: unknown, ack: (m: unknown) => void) => ack(m)));
        close = () => sb.close();
      }
      https.listen(0, "127.0.0.1");
      await once(https, "listening");
      url = `https://127.0.0.1:${(https.address() as AddressInfo).port}`;
    });
    after(async () => {
      https.closeAllConnections();
      await close();
    });

    for (const transport of transports) {
      test(`${transport}: refused without ca, connects with ca or rejectUnauthorized: false`, async () => {
        assertRefusedOnCertificate(await attempt(url, { transports: [transport] }));
        const withCa = await attempt(url, { transports: [transport], ca: server.cert });
        assert.ok(!(withCa instanceof Error), String(withCa));
        assert.equal(withCa.io.engine?.transport?.name, transport);
        assert.equal(await roundTrip(withCa), "over tls");
        const unchecked = await attempt(url, {
          transports: [transport],
          rejectUnauthorized: false,
        });
        assert.ok(!(unchecked instanceof Error), String(unchecked));
        assert.equal(await roundTrip(unchecked), "over tls");
      });

      test(`${transport}: cert and key present a client certificate`, async () => {
        clientCerts = [];
        const socket = await attempt(url, {
          transports: [transport],
          ca: server.cert,
          cert: client.cert,
          key: client.key,
        });
        assert.ok(!(socket instanceof Error), String(socket));
        assert.equal(await roundTrip(socket), "over tls");
        assert.ok(clientCerts.includes("client"), `client certificates seen: ${clientCerts}`);
      });

      test(`${transport}: requests go through the agent given`, async () => {
        const agent = new Agent({ ca: server.cert, keepAlive: true });
        let created = 0;
        const createConnection = agent.createConnection.bind(agent);
        agent.createConnection = ((...args: Parameters<typeof createConnection>) => {
          created++;
          return createConnection(...args);
        }) as typeof agent.createConnection;
        // The agent's own TLS options (its `ca`) verify the server: no `ca` on the client.
        const socket = await attempt(url, { transports: [transport], agent });
        assert.ok(!(socket instanceof Error), String(socket));
        assert.equal(await roundTrip(socket), "over tls");
        assert.ok(created > 0, "the agent opened no connection");
        agent.destroy();
      });
    }
  });
}

after(() => rmSync(dir, { recursive: true, force: true }));
