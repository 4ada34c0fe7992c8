/**
 * What the client accepts from a server and what one bad packet costs it. A Socket.IO server
 * scripted on this project's engine sends exact packets: a CONNECT_ERROR whose payload is a
 * string (Socket.IO v4 servers, python-socketio 5), and packets for one namespace that cannot be
 * read. One namespace's bad packet ends that namespace alone; the connection and the other
 * namespaces go on. A stream that cannot be read on still closes the connection.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { type ClientError, io, type Socket } from "@switchboard/client";
import { Engine, type Session } from "@switchboard/engine";
import { next } from "../helpers.ts";

/** What the scripted server answers to a CONNECT for a namespace (after the engine's "4"). */
type Script = Record<string, (nsp: string) => (string | Buffer)[]>;

const connectOk = (nsp: string): string[] => [
  `0${nsp === "/" ? "" : `${nsp},`}{"sid":"s${nsp.length}"}`,
];

describe("a server's packets the client must take: scripted on the engine", {
  timeout: 20_000,
}, () => {
  let url: string;
  let script: Script = {};
  /** Every socket packet each session received, in order. */
  const seen: string[][] = [];
  const engine = new Engine();
  const http = createServer();

  before(async () => {
    engine.attach(http, { path: "/socket.io/" });
    engine.on("connection", (session: Session) => {
      const log: string[] = [];
      seen.push(log);
      session.on("message", (data: string | Buffer) => {
        const text = String(data);
        log.push(text);
        if (text.startsWith("0")) {
          const nsp = text.startsWith("0/") ? text.slice(1, text.indexOf(",")) : "/";
          for (const reply of (script[nsp] ?? connectOk)(nsp)) session.send(reply);
        }
        if (text.startsWith('2["ping"')) session.send('2["pong"]');
      });
    });
    http.listen(0, "127.0.0.1");
    await once(http, "listening");
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  after(async () => {
    await engine.close();
    http.close();
  });

  const start = async (extra: Script): Promise<Socket> => {
    script = extra;
    const root = io(url, { forceNew: true, transports: ["websocket"], reconnection: false });
    await next(root, "connect");
    return root;
  };
  const stillUp = async (root: Socket) => {
    const pong = next(root, "pong");
    root.emit("ping");
    await pong;
    assert.equal(root.connected, true);
    assert.equal(root.io.engine?.readyState, "open");
  };

  test('a CONNECT_ERROR whose payload is a string refuses that namespace: 44/admin,"…"', async () => {
    const root = await start({ "/admin": (nsp) => [`4${nsp},"Unable to connect"`] });
    const admin = root.io.socket("/admin");
    const [error] = await next<[ClientError]>(admin, "connect_error");
    assert.equal(error.code, "SB_ERR_CONNECT_REFUSED");
    assert.equal(error.message, "Unable to connect");
    assert.equal(admin.active, false);
    await stillUp(root);
    root.disconnect();
  });

  test("an object CONNECT_ERROR still gives message and data", async () => {
    const root = await start({
      "/admin": (nsp) => [`4${nsp},{"message":"no","data":{"why":1}}`],
    });
    const [error] = await next<[ClientError]>(root.io.socket("/admin"), "connect_error");
    assert.equal(error.message, "no");
    assert.deepEqual(error.data, { why: 1 });
    root.disconnect();
  });

  test("an unreadable CONNECT reply fails that namespace's connect only", async () => {
    const root = await start({ "/admin": (nsp) => [`0${nsp},"not an object"`] });
    const admin = root.io.socket("/admin");
    const [error] = await next<[Error & { code?: string }]>(admin, "connect_error");
    assert.equal(error.code, "SB_ERR_BAD_PAYLOAD");
    assert.equal(admin.active, false);
    await stillUp(root);
    root.disconnect();
  });

  test("an unreadable event disconnects its namespace alone, which tells the server", async () => {
    const root = await start({
      "/admin": (nsp) => [...connectOk(nsp), `2${nsp},{"not":"an array"}`],
    });
    const admin = root.io.socket("/admin");
    const log = seen[seen.length - 1]!;
    const [reason, description] = await next<[string, Error & { code?: string }]>(
      admin,
      "disconnect",
    );
    assert.equal(reason, "parse error");
    assert.equal(description.code, "SB_ERR_BAD_PAYLOAD");
    assert.equal(admin.connected, false);
    assert.equal(admin.active, false, "no reconnection of its own");
    await stillUp(root);
    assert.ok(log.includes("1/admin,"), `the server heard DISCONNECT: ${JSON.stringify(log)}`);
    // The namespace can be joined again by hand.
    script = {};
    admin.connect();
    await next(admin, "connect");
    root.disconnect();
  });

  test("a binary packet with a bad placeholder costs its namespace only", async () => {
    const root = await start({
      "/admin": (nsp) => [
        ...connectOk(nsp),
        `51-${nsp},["e",{"_placeholder":true,"num":3}]`,
        Buffer.from([1]),
      ],
    });
    const admin = root.io.socket("/admin");
    const [reason, description] = await next<[string, Error & { code?: string }]>(
      admin,
      "disconnect",
    );
    assert.equal(reason, "parse error");
    assert.equal(description.code, "SB_ERR_BAD_PLACEHOLDER");
    await stillUp(root);
    root.disconnect();
  });

  test("a stream that cannot be read on closes the connection (parse error)", async () => {
    const root = await start({ "/admin": (nsp) => [...connectOk(nsp), "9"] });
    const closed = next(root, "disconnect");
    root.io.socket("/admin");
    const [reason] = await closed;
    assert.equal(reason, "parse error");
    root.disconnect();
  });

  test("socket(nsp) then connect() on an open manager sends one CONNECT, not two", async () => {
    const root = await start({});
    const log = seen[seen.length - 1]!;
    const admin = root.io.socket("/admin");
    admin.connect();
    admin.connect();
    await next(admin, "connect");
    await stillUp(root);
    assert.deepEqual(
      log.filter((p) => p.startsWith("0/admin")),
      ["0/admin,"],
    );
    root.disconnect();
  });
});
