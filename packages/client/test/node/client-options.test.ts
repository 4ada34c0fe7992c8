/**
 * socket.io-client options the client used to ignore: each one is now either honoured (checked
 * against the official socket.io 4.8 server: `parser` with socket.io-msgpack-parser, `protocols`,
 * `forceBase64`, `localAddress`, `perMessageDeflate`) or refused with SB_ERR_BAD_OPTION naming
 * the option and why. (TLS and `agent`: tls.test.ts.)
 */
import assert from "node:assert/strict";
import type { IncomingMessage, ServerResponse } from "node:http";
import { after, afterEach, before, describe, test } from "node:test";
import { type ClientOptions, io, Manager, type Socket } from "@switchboard/client";
import msgpackParser from "socket.io-msgpack-parser";
import { next, startServer, type TestServer } from "../helpers.ts";

const url = "http://127.0.0.1:1/";

describe("options socket.io-client has and this client does not implement", () => {
  const refused: [name: string, value: unknown, why: RegExp][] = [
    ["transportOptions", { polling: {} }, /top level/],
    ["transportImplementations", [], /factories in `transports`/],
    ["tryAllTransports", false, /always tries the next transport/],
    ["useNativeTimers", true, /global timers/],
    ["requestTimeout", 5000, /transportTimeout/],
    ["closeOnBeforeunload", true, /no beforeunload/],
    ["autoUnref", true, /not implemented/],
  ];
  for (const [name, value, why] of refused) {
    test(`${name}: ${JSON.stringify(value)} is refused, naming the option and why`, () => {
      const options = { autoConnect: false, [name]: value } as ClientOptions;
      assert.throws(
        () => new Manager(url, options),
        (error: Error & { code?: string }) => {
          assert.equal(error.code, "SB_ERR_BAD_OPTION");
          assert.match(error.message, new RegExp(`^option ${name} is not supported: `));
          assert.match(error.message, why);
          return true;
        },
      );
      assert.throws(() => io(url, { forceNew: true, ...options }), { code: "SB_ERR_BAD_OPTION" });
    });
  }

  test("values that mean this client's own behaviour pass", () => {
    const m = new Manager(url, {
      autoConnect: false,
      tryAllTransports: true,
      useNativeTimers: false,
      closeOnBeforeunload: false,
      autoUnref: false,
    });
    assert.equal(m.opts.path, "/socket.io/");
  });

  test("the Node options survive a setter that resolves the options again", () => {
    const m = new Manager(url, { autoConnect: false, rejectUnauthorized: false, ca: "x" });
    m.timeout(1234);
    assert.equal(m.opts.timeout, 1234);
    assert.deepEqual(m.opts.node, { rejectUnauthorized: false, ca: "x" });
  });
});

const modes = [
  { name: "websocket", transports: ["websocket"] as const },
  { name: "polling", transports: ["polling"] as const },
  { name: "upgrade", transports: ["polling", "websocket"] as const },
];

for (const mode of modes) {
  describe(`parser: socket.io-msgpack-parser against socket.io 4.8 with the same, ${mode.name}`, () => {
    let server: TestServer;
    const sockets: Socket[] = [];
    before(async () => {
      server = await startServer({ parser: msgpackParser });
      server.io.on("connection", (s) => {
        s.emit("welcome", { n: 1, list: [1, "two"], bin: Buffer.from([1, 2, 3]) });
        s.on("echo", (...args: unknown[]) => (args.pop() as (...a: unknown[]) => void)(...args));
      });
      server.io.of("/admin").on("connection", (s) => s.emit("welcome", "admin"));
    });
    afterEach(() => {
      for (const s of sockets.splice(0)) s.disconnect();
    });
    after(() => server.close());

    test("connects, events with binary both ways, acks, namespaces", async () => {
      const socket = io(server.url, {
        forceNew: true,
        transports: [...mode.transports],
        parser: msgpackParser,
        reconnection: false,
      });
      sockets.push(socket);
      // Without the parser, the server cannot read the client's CONNECT: it closes the session.
      const [welcome] = await Promise.race([
        next<[{ n: number; list: unknown[]; bin: Uint8Array }]>(socket, "welcome"),
        next<[string]>(socket, "disconnect").then(([reason]) => {
          throw new Error(`disconnected: ${reason}`);
        }),
      ]);
      assert.equal(welcome.n, 1);
      assert.deepEqual(welcome.list, [1, "two"]);
      assert.deepEqual([...welcome.bin], [1, 2, 3]);
      const echoed = (await socket.emitWithAck("echo", {
        big: 2 ** 40,
        bin: Buffer.from([9]),
      })) as {
        big: number;
        bin: Uint8Array;
      };
      assert.equal(echoed.big, 2 ** 40);
      assert.deepEqual([...echoed.bin], [9]);
      const admin = socket.io.socket("/admin");
      assert.deepEqual(await next(admin, "welcome"), ["admin"]);
      admin.disconnect();
    });
  });
}

describe("Node WebSocket options against socket.io 4.8", () => {
  let server: TestServer;
  let handshake: IncomingMessage | undefined;
  const frames: boolean[] = [];
  before(async () => {
    server = await startServer();
    server.io.engine.on("initial_headers", (_headers: unknown, req: IncomingMessage) => {
      handshake = req;
    });
    server.io.engine.on("connection", (conn: { transport: { socket?: WsLike } }) => {
      conn.transport.socket?.on("message", (_data: unknown, isBinary: boolean) =>
        frames.push(isBinary),
      );
    });
    server.io.on("connection", (s) => {
      s.on("echo", (...args: unknown[]) => (args.pop() as (...a: unknown[]) => void)(...args));
    });
  });
  after(() => server.close());

  type WsLike = { on(event: "message", l: (data: unknown, isBinary: boolean) => void): void };

  async function connect(options: ClientOptions): Promise<Socket> {
    const socket = io(server.url, {
      forceNew: true,
      transports: ["websocket"],
      reconnection: false,
      ...options,
    });
    await next(socket, "connect");
    return socket;
  }

  test("protocols are asked for in the handshake", async () => {
    const socket = await connect({ protocols: ["chat", "v2"] });
    assert.equal(handshake?.headers["sec-websocket-protocol"], "chat,v2");
    socket.disconnect();
  });

  test("forceBase64 sends binary as base64 text frames; the server still reads bytes", async () => {
    frames.length = 0;
    const socket = await connect({ forceBase64: true });
    const echoed = (await socket.emitWithAck("echo", Buffer.from([5, 6]))) as Uint8Array;
    assert.deepEqual([...echoed], [5, 6]);
    assert.ok(frames.length >= 2 && frames.every((binary) => !binary), `frames: ${frames}`);
    frames.length = 0;
    const plain = await connect({});
    await plain.emitWithAck("echo", Buffer.from([7]));
    assert.ok(frames.includes(true), "without forceBase64 the attachment is a binary frame");
    socket.disconnect();
    plain.disconnect();
  });

  test("perMessageDeflate: false offers no compression; by default it is offered", async () => {
    const off = await connect({ perMessageDeflate: false });
    assert.equal(handshake?.headers["sec-websocket-extensions"], undefined);
    const on = await connect({});
    assert.match(String(handshake?.headers["sec-websocket-extensions"]), /permessage-deflate/);
    off.disconnect();
    on.disconnect();
  });

  for (const transport of ["websocket", "polling"] as const) {
    test(`${transport}: localAddress is the connection's source address`, async () => {
      let address: string | undefined;
      server.io.once("connection", (s) => {
        address = s.handshake.address;
      });
      const socket = io(server.url, {
        forceNew: true,
        transports: [transport],
        reconnection: false,
        localAddress: "127.0.0.2",
      });
      await next(socket, "connect");
      assert.match(String(address), /127\.0\.0\.2$/);
      socket.disconnect();
    });
  }
});

describe("Node HTTP requests accept compressed answers, as fetch and browsers do", () => {
  let server: TestServer;
  const encodings: string[] = [];
  before(async () => {
    // socket.io compresses polling answers over 1 KB for a client that accepts gzip.
    server = await startServer({ httpCompression: { threshold: 1024 } });
    server.http.prependListener("request", (_req: IncomingMessage, res: ServerResponse) => {
      res.once("finish", () => {
        const head = (res as unknown as { _header?: string })._header ?? "";
        encodings.push(/content-encoding: (\w+)/i.exec(head)?.[1] ?? "none");
      });
    });
    server.io.on("connection", (s) => s.emit("big", "x".repeat(8000)));
  });
  after(() => server.close());

  test("polling: a gzip answer arrives decompressed", async () => {
    const socket = io(server.url, { forceNew: true, transports: ["polling"], reconnection: false });
    const [big] = await next<[string]>(socket, "big");
    assert.equal(big, "x".repeat(8000));
    assert.ok(encodings.includes("gzip"), `answers' content-encoding: ${encodings}`);
    socket.disconnect();
  });
});
