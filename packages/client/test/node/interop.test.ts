/**
 * The client against the official socket.io 4.8 server, in Node, over websocket, polling and
 * polling upgraded to websocket.
 */
import assert from "node:assert/strict";
import { after, afterEach, before, describe, test } from "node:test";
import {
  type ClientOptions,
  forgetTransports,
  io,
  Manager,
  type Socket,
} from "@switchboard/client";
import { next, startServer, type TestServer } from "../helpers.ts";

const modes: { name: string; options: ClientOptions; expect: string }[] = [
  { name: "websocket", options: { transports: ["websocket"] }, expect: "websocket" },
  { name: "polling", options: { transports: ["polling"] }, expect: "polling" },
  { name: "upgrade", options: { transports: ["polling", "websocket"] }, expect: "websocket" },
];

for (const mode of modes) {
  describe(`official socket.io server, ${mode.name}`, () => {
    let server: TestServer;
    const sockets: Socket[] = [];
    const connect = async (nsp = "/", extra: ClientOptions = {}): Promise<Socket> => {
      const socket = io(server.url + nsp, { forceNew: true, ...mode.options, ...extra });
      sockets.push(socket);
      await next(socket, "connect");
      if (mode.name === "upgrade" && socket.io.engine?.transport?.name !== "websocket") {
        await next(socket.io.engine!, "upgrade");
      }
      return socket;
    };

    before(async () => {
      forgetTransports();
      server = await startServer();
      server.io.on("connection", (s) => {
        s.on("echo", (...args: unknown[]) => {
          const ack = args.pop() as (...a: unknown[]) => void;
          ack(...args);
        });
        s.on("bounce", (...args: unknown[]) => s.emit("bounced", ...args));
        s.on("ask-me", async () => {
          const answer = await s.emitWithAck("question", 21);
          s.emit("answer", answer);
        });
        s.on("silent", () => {});
      });
      server.io.of("/admin").on("connection", (s) => s.emit("welcome", "admin"));
    });
    afterEach(() => {
      for (const s of sockets.splice(0)) s.disconnect();
    });
    after(() => server.close());

    test("connects and names its transport", async () => {
      const socket = await connect();
      assert.equal(socket.connected, true);
      assert.equal(typeof socket.id, "string");
      assert.equal(socket.io.engine?.transport?.name, mode.expect);
      assert.ok(socket.io instanceof Manager);
    });

    test("events go both ways with every JSON type", async () => {
      const socket = await connect();
      const got = next(socket, "bounced");
      socket.emit("bounce", 1, "two", [3], { four: 4 }, null, true);
      assert.deepEqual(await got, [1, "two", [3], { four: 4 }, null, true]);
    });

    test("binary anywhere in the arguments arrives as Buffers, both ways", async () => {
      const socket = await connect();
      const got = next(socket, "bounced");
      const payload = { a: Buffer.from([1, 2, 3]), nested: [new Uint8Array([4, 5])] };
      socket.emit("bounce", payload, Buffer.from("xyz"));
      const [obj, buf] = (await got) as [{ a: Buffer; nested: Buffer[] }, Buffer];
      assert.deepEqual([...obj.a], [1, 2, 3]);
      assert.deepEqual([...obj.nested[0]!], [4, 5]);
      assert.equal(Buffer.from(buf).toString(), "xyz");
    });

    test("acks: client to server (callback and emitWithAck) and server to client", async () => {
      const socket = await connect();
      const viaCallback = await new Promise((resolve) => socket.emit("echo", "hi", resolve));
      assert.equal(viaCallback, "hi");
      assert.deepEqual(await socket.emitWithAck("echo", { x: [1] }), { x: [1] });
      socket.on("question", (n: number, ack: (v: number) => void) => ack(n * 2));
      const answer = next(socket, "answer");
      socket.emit("ask-me");
      assert.deepEqual(await answer, [42]);
    });

    test("timeout(): an ack that never comes fails with SB_ERR_ACK_TIMEOUT", async () => {
      const socket = await connect();
      const error = await new Promise<Error & { code?: string }>((resolve) =>
        socket.timeout(20).emit("silent", (err: Error) => resolve(err)),
      );
      assert.equal(error.code, "SB_ERR_ACK_TIMEOUT");
      assert.equal(error.message, "operation has timed out");
      await assert.rejects(socket.timeout(20).emitWithAck("silent"), {
        code: "SB_ERR_ACK_TIMEOUT",
      });
      // With a timeout, a successful ack is error-first.
      const ok = await new Promise((resolve) =>
        socket.timeout(5000).emit("echo", 7, (err: unknown, v: unknown) => resolve([err, v])),
      );
      assert.deepEqual(ok, [null, 7]);
    });

    test("namespaces share one connection", async () => {
      const main = await connect();
      const admin = main.io.socket("/admin");
      const [welcome] = await next(admin, "welcome");
      assert.equal(welcome, "admin");
      assert.equal(admin.io, main.io);
      assert.equal(main.io.engine?.id !== undefined, true);
      admin.disconnect();
      assert.equal(main.connected, true);
    });

    test("onAny and onAnyOutgoing see every event", async () => {
      const socket = await connect();
      const incoming: unknown[][] = [];
      const outgoing: unknown[][] = [];
      socket.onAny((...args) => incoming.push(args));
      socket.onAnyOutgoing((...args) => outgoing.push(args));
      const got = next(socket, "bounced");
      socket.emit("bounce", "a");
      await got;
      assert.deepEqual(outgoing, [["bounce", "a"]]);
      assert.deepEqual(incoming, [["bounced", "a"]]);
      socket.offAny();
      assert.equal(socket.listenersAny().length, 0);
    });
  });
}

describe("official socket.io server: connection lifecycle", () => {
  let server: TestServer;
  const sockets: Socket[] = [];
  const open = (url: string, options: ClientOptions = {}): Socket => {
    const socket = io(url, { forceNew: true, ...options });
    sockets.push(socket);
    return socket;
  };
  before(async () => {
    server = await startServer();
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.disconnect();
    server.io.removeAllListeners("connection");
  });
  after(() => server.close());

  test("the offline buffer is flushed in order on connect; volatile emits are dropped", async () => {
    const received: unknown[] = [];
    const done = new Promise<void>((resolve) => {
      server.io.on("connection", (s) =>
        s.onAny((_ev, n: number) => {
          received.push(n);
          if (n === 3) resolve();
        }),
      );
    });
    const socket = open(server.url);
    socket.emit("n", 1);
    socket.volatile.emit("n", 99);
    socket.emit("n", 2);
    socket.emit("n", 3);
    assert.equal(socket.sendBuffer.length, 3);
    await done;
    assert.deepEqual(received, [1, 2, 3]);
  });

  test("auth object and auth function reach the handshake", async () => {
    const seen: unknown[] = [];
    server.io.on("connection", (s) => seen.push(s.handshake.auth));
    const a = open(server.url, { auth: { token: "abc" } });
    await next(a, "connect");
    const b = open(server.url, { auth: (cb) => cb({ token: "fn" }) });
    await next(b, "connect");
    assert.deepEqual(seen, [{ token: "abc" }, { token: "fn" }]);
  });

  test("query (URL and option) and extraHeaders reach the server on every transport", async () => {
    const seen: unknown[] = [];
    server.io.on("connection", (s) =>
      seen.push([
        s.conn.transport.name,
        s.handshake.query.room,
        s.handshake.query.v,
        s.handshake.headers["x-token"],
      ]),
    );
    for (const transports of [["websocket"], ["polling"]] as const) {
      const socket = open(`${server.url}/?room=blue`, {
        transports,
        query: { v: "2" },
        extraHeaders: { "x-token": "secret" },
      });
      await next(socket, "connect");
    }
    assert.deepEqual(seen, [
      ["websocket", "blue", "2", "secret"],
      ["polling", "blue", "2", "secret"],
    ]);
  });

  test("a refusing middleware yields connect_error with the server's message and data", async () => {
    const nsp = server.io.of("/locked");
    nsp.use((_s, nextFn) => {
      const err = new Error("not allowed") as Error & { data?: unknown };
      err.data = { why: "no token" };
      nextFn(err);
    });
    const socket = open(`${server.url}/locked`);
    const [error] = (await next(socket, "connect_error")) as [
      Error & { code: string; data: unknown },
    ];
    assert.equal(error.message, "not allowed");
    assert.equal(error.code, "SB_ERR_CONNECT_REFUSED");
    assert.deepEqual(error.data, { why: "no token" });
    assert.equal(socket.active, false);
  });

  test("a server-side disconnect gives 'io server disconnect' and no reconnection", async () => {
    server.io.on("connection", (s) => s.disconnect());
    const socket = open(server.url);
    const [reason] = await next(socket, "disconnect");
    assert.equal(reason, "io server disconnect");
    assert.equal(socket.active, false);
  });

  test("a packet the codec refuses closes with 'parse error', once", async () => {
    server.io.on("connection", (s) => s.conn.send("not a socket.io packet"));
    const socket = open(server.url, { reconnection: false });
    const reasons: unknown[] = [];
    socket.on("disconnect", (reason) => reasons.push(reason));
    const closed = next(socket.io, "close");
    await next(socket, "connect");
    const [reason, description] = (await closed) as [string, Error & { code: string }];
    assert.equal(reason, "parse error");
    assert.equal(description.code, "SB_ERR_UNKNOWN_SOCKET_PACKET");
    assert.deepEqual(reasons, ["parse error"]);
    assert.equal(socket.io.engine?.readyState, "closed");
  });

  test("a client-side disconnect gives 'io client disconnect' and closes the engine", async () => {
    const socket = open(server.url);
    await next(socket, "connect");
    const reasons: unknown[] = [];
    socket.on("disconnect", (r) => reasons.push(r));
    const closed = next(server.io, "connection").then(() => undefined);
    void closed;
    socket.disconnect();
    assert.deepEqual(reasons, ["io client disconnect"]);
    assert.equal(socket.io.engine?.readyState, "closed");
  });

  test("connect() after disconnect() opens a new connection; connected sockets share it", async () => {
    server.io.on("connection", (s) =>
      s.on("echo", (v: unknown, ack: (v: unknown) => void) => ack(v)),
    );
    const socket = open(server.url);
    await next(socket, "connect");
    const firstEngine = socket.io.engine;
    const firstId = socket.id;
    socket.disconnect();
    assert.equal(firstEngine?.readyState, "closed");
    socket.connect();
    await next(socket, "connect");
    assert.notEqual(socket.io.engine, firstEngine);
    assert.notEqual(socket.id, firstId);
    assert.equal(await socket.emitWithAck("echo", "again"), "again");
  });

  test("reconnectionAttempts: gives up with reconnect_failed", async () => {
    const socket = open("http://127.0.0.1:1", {
      reconnectionAttempts: 2,
      reconnectionDelay: 1,
      reconnectionDelayMax: 1,
      transports: ["polling"],
    });
    const events: string[] = [];
    socket.io.on("reconnect_attempt", (n) => events.push(`attempt ${n}`));
    socket.io.on("reconnect_error", () => events.push("error"));
    await next(socket.io, "reconnect_failed");
    assert.deepEqual(events, ["attempt 1", "error", "attempt 2", "error"]);
  });

  test("ackTimeout + retries: a packet is resent until acknowledged", async () => {
    let tries = 0;
    server.io.on("connection", (s) =>
      s.on("flaky", (v: number, ack: (r: number) => void) => {
        tries++;
        if (tries >= 3) ack(v + 1);
      }),
    );
    const socket = open(server.url, { ackTimeout: 100, retries: 5 });
    const answer = await socket.emitWithAck("flaky", 1);
    assert.equal(answer, 2);
    // Three tries at least; a slow machine may time out the third before its ack arrives.
    assert.ok(tries >= 3, `${tries} tries`);
  });

  test("ackTimeout + retries: gives up after retries + 1 tries", async () => {
    let tries = 0;
    let thirdTry: () => void = () => {};
    const third = new Promise<void>((resolve) => (thirdTry = resolve));
    server.io.on("connection", (s) =>
      s.on("never", () => {
        if (++tries === 3) thirdTry();
      }),
    );
    const socket = open(server.url, { ackTimeout: 10, retries: 2 });
    await assert.rejects(socket.emitWithAck("never"), { code: "SB_ERR_ACK_TIMEOUT" });
    await third;
    assert.equal(tries, 3, "retries + 1 tries, then no more");
    assert.equal(socket.connected, true);
  });

  test("pending acks with a timeout fail with SB_ERR_DISCONNECTED on disconnect", async () => {
    server.io.on("connection", (s) => s.on("hang", () => s.disconnect()));
    const socket = open(server.url);
    await next(socket, "connect");
    await assert.rejects(socket.timeout(10_000).emitWithAck("hang"), {
      code: "SB_ERR_DISCONNECTED",
    });
  });
});

describe("official socket.io server: restart, recovery, fallback", () => {
  test("reconnects after the server restarts, with manager events", async () => {
    const first = await startServer();
    const port = first.port;
    const socket = io(first.url, {
      forceNew: true,
      reconnectionDelay: 20,
      reconnectionDelayMax: 40,
    });
    await next(socket, "connect");
    const firstId = socket.id;
    const events: string[] = [];
    socket.io.on("reconnect_attempt", () => events.push("attempt"));
    socket.io.on("reconnect", () => events.push("reconnect"));
    const disconnected = next(socket, "disconnect");
    await first.close();
    const [reason] = await disconnected;
    assert.match(String(reason), /transport (close|error)/);
    const second = await startServer({}, port);
    await next(socket, "connect");
    assert.notEqual(socket.id, firstId);
    assert.ok(events.includes("attempt"));
    assert.equal(events.at(-1), "reconnect");
    socket.disconnect();
    await second.close();
  });

  test("connection state recovery: missed events arrive and recovered is true", async () => {
    const server = await startServer({
      connectionStateRecovery: { maxDisconnectionDuration: 10_000, skipMiddlewares: true },
    });
    const socket = io(server.url, {
      forceNew: true,
      reconnectionDelay: 10,
      reconnectionDelayMax: 20,
    });
    const [serverSocket] = (await Promise.all([
      next(server.io, "connection"),
      next(socket, "connect"),
    ]).then(([s]) => s)) as [import("socket.io").Socket];
    assert.equal(socket.recovered, false);
    server.io.emit("tick", 1);
    await next(socket, "tick");
    const gone = next(serverSocket, "disconnect");
    serverSocket.conn.close();
    await gone;
    server.io.emit("tick", 2); // missed while disconnected
    const got = next(socket, "tick");
    await next(socket, "connect");
    assert.equal(socket.recovered, true);
    assert.equal((await got)[0], 2);
    socket.disconnect();
    await server.close();
  });

  test("falls back down the ladder when WebSocket upgrades are refused, and remembers", async () => {
    forgetTransports();
    const server = await startServer();
    const firstTries: string[] = [];
    const record = (url: string | undefined) => {
      const q = new URL(url ?? "/", "http://x").searchParams;
      if (!q.get("sid")) firstTries.push(q.get("transport") ?? "?");
    };
    server.http.prependListener("request", (req) => record(req.url));
    // A proxy that refuses upgrades: every upgrade request is cut.
    server.http.removeAllListeners("upgrade");
    server.http.on("upgrade", (req, socket) => {
      record(req.url);
      socket.destroy();
    });
    const a = io(server.url, { forceNew: true });
    await next(a, "connect");
    assert.equal(a.io.engine?.transport?.name, "polling");
    // After websocket, polling: the first message never waits on a stream.
    assert.deepEqual(firstTries, ["websocket", "polling"]);
    a.disconnect();
    firstTries.length = 0;
    const b = io(server.url, { forceNew: true });
    await next(b, "connect");
    assert.deepEqual(firstTries, ["polling"], "the transport that worked is tried first");
    assert.equal(b.io.engine?.transport?.name, "polling");
    b.disconnect();
    await server.close();
  });

  test("falls back when a WebSocket handshake stalls (transportTimeout)", async () => {
    forgetTransports();
    const server = await startServer();
    const held: import("node:stream").Duplex[] = [];
    server.http.removeAllListeners("upgrade");
    server.http.on("upgrade", (_req, socket) => held.push(socket)); // never answered
    const errors: string[] = [];
    const socket = io(server.url, {
      forceNew: true,
      transports: ["websocket", "polling"],
      transportTimeout: 500, // long enough for polling to open on a loaded machine
    });
    socket.io.on("open", () => {
      socket.io.engine?.on("upgradeError", (e) => errors.push(e.message));
    });
    await next(socket, "connect");
    assert.equal(socket.io.engine?.transport?.name, "polling");
    assert.equal(held.length, 1, "websocket was tried once, then not probed again");
    assert.deepEqual(errors, []);
    socket.disconnect();
    for (const s of held) s.destroy();
    await server.close();
  });

  test("a connect timeout fails the open and reports 'timeout'", async () => {
    // A server that accepts connections and never answers.
    const { createServer } = await import("node:net");
    const silent = createServer(() => {});
    silent.listen(0, "127.0.0.1");
    await next(silent, "listening");
    const port = (silent.address() as import("node:net").AddressInfo).port;
    const socket = io(`http://127.0.0.1:${port}`, {
      forceNew: true,
      timeout: 50,
      reconnection: false,
    });
    const [error] = (await next(socket, "connect_error")) as [Error & { code: string }];
    assert.equal(error.code, "SB_ERR_CONNECT_TIMEOUT");
    assert.equal(error.message, "timeout");
    socket.disconnect();
    silent.close();
  });
});
