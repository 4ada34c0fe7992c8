import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { DisconnectReason, Socket } from "@switchboard/server";
import { type Harness, type Mode, modes, next, start } from "./harness.ts";

function bytes(value: unknown): number[] {
  return [...new Uint8Array(value as ArrayBuffer | Uint8Array)];
}

async function withHarness(
  mode: Mode,
  options: Parameters<typeof start>[1],
  fn: (h: Harness) => Promise<void>,
): Promise<void> {
  const h = await start(mode, options);
  try {
    await fn(h);
  } finally {
    await h.close();
  }
}

for (const mode of Object.keys(modes) as Mode[]) {
  describe(`socket.io-client 4.8, ${mode}`, () => {
    test("auth reaches middleware; a refusal arrives as connect_error with message and data", () =>
      withHarness(mode, undefined, async (h) => {
        h.io.of("/admin").use((socket, next) => {
          if (socket.handshake.auth.token === "good") return next();
          next(Object.assign(new Error("unauthorized"), { data: { code: 401 } }));
        });
        const bad = h.client("/admin", { auth: { token: "bad" } });
        const [err] = await next<[Error & { data: unknown }]>(bad, "connect_error");
        assert.equal(err.message, "unauthorized");
        assert.deepEqual(err.data, { code: 401 });
        const good = h.client("/admin", { auth: { token: "good" } });
        await next(good, "connect");
        assert.equal(h.io.of("/admin").sockets.size, 1);
      }));

    test("what io.engine.use attaches to the request is socket.request's, replacements too", () =>
      withHarness(mode, undefined, async (h) => {
        // As express-session does: req.session, which reload() later replaces on the request.
        const handshakes: { session?: { n: number } }[] = [];
        h.io.engine.use((req, _res, next) => {
          const r = req as typeof req & { session?: { n: number } };
          if (!req.url?.includes("sid=")) {
            r.session = { n: 1 };
            handshakes.push(r);
          }
          next();
        });
        const connected = next<[Socket]>(h.io, "connection");
        h.client();
        const [socket] = await connected;
        const request = socket.request as typeof socket.request & { session: { n: number } };
        assert.deepEqual(request.session, { n: 1 });
        handshakes.at(-1)!.session = { n: 2 };
        assert.deepEqual(request.session, { n: 2 }, "the request itself, not a copy");
      }));

    test("an unknown namespace is refused with Invalid namespace", () =>
      withHarness(mode, undefined, async (h) => {
        const client = h.client("/nope");
        const [err] = await next<[Error]>(client, "connect_error");
        assert.equal(err.message, "Invalid namespace");
      }));

    test("two namespaces share one connection; the transport name is reported", () =>
      withHarness(mode, undefined, async (h) => {
        h.io.of("/b");
        const main = h.client("/");
        await next(main, "connect");
        // manager.socket() connects by itself (calling connect() as well would send a second
        // CONNECT, which this server treats as a protocol violation)
        const b = main.io.socket("/b");
        await next(b, "connect");
        const [sa] = h.io.sockets.sockets.values();
        const [sb] = h.io.of("/b").sockets.values();
        assert.equal(sa!.conn.id, sb!.conn.id);
        if (mode === "default (upgrade)" && sa!.conn.transport.name !== "websocket") {
          await next(sa!.conn as unknown as NodeJS.EventEmitter, "upgrade");
        }
        assert.equal(sa!.conn.transport.name, mode === "polling" ? "polling" : "websocket");
        assert.equal(main.io.engine.transport.name, sa!.conn.transport.name);
      }));

    test("binary anywhere in the arguments survives both directions", () =>
      withHarness(mode, undefined, async (h) => {
        h.io.on("connection", (socket) => {
          socket.on("echo", (a: unknown, b: unknown, ack: (...args: unknown[]) => void) =>
            ack(a, b),
          );
        });
        const client = h.client();
        await next(client, "connect");
        const [a, b] = (await new Promise<unknown[]>((resolve) =>
          client.emit(
            "echo",
            { list: [1, Buffer.from([1, 2])], s: "x" },
            Buffer.from([3]),
            (...args: unknown[]) => resolve(args),
          ),
        )) as [{ list: [number, unknown]; s: string }, unknown];
        assert.equal(a.s, "x");
        assert.deepEqual(bytes(a.list[1]), [1, 2]);
        assert.deepEqual(bytes(b), [3]);
      }));

    test("rooms, a socket's broadcast, and broadcast acks with a timeout", () =>
      withHarness(mode, undefined, async (h) => {
        const serverSockets: Socket[] = [];
        h.io.on("connection", (socket) => {
          serverSockets.push(socket);
          socket.on("join", (room: string, ack: () => void) => {
            void socket.join(room);
            ack();
          });
          socket.on("shout", (room: string, text: string) => socket.to(room).emit("shout", text));
        });
        const clients = [h.client(), h.client(), h.client()];
        await Promise.all(clients.map((c) => next(c, "connect")));
        for (const c of clients) c.on("ping?", (ack: (id: string) => void) => ack(c.id!));
        await clients[0]!.emitWithAck("join", "r");
        await clients[1]!.emitWithAck("join", "r");
        const heard = next<[string]>(clients[1]!, "shout");
        let thirdHeard = false;
        clients[2]!.on("shout", () => {
          thirdHeard = true;
        });
        clients[0]!.emit("shout", "r", "hello");
        assert.deepEqual(await heard, ["hello"]);
        const responses = await h.io.timeout(5000).emitWithAck("ping?");
        assert.deepEqual(responses.sort(), clients.map((c) => c.id!).sort());
        const inRoom = await h.io.in("r").fetchSockets();
        assert.equal(inRoom.length, 2);
        assert.equal(thirdHeard, false);
      }));

    test("server emit with timeout and emitWithAck to one client", () =>
      withHarness(mode, undefined, async (h) => {
        const connected = next<[Socket]>(h.io, "connection");
        const client = h.client();
        client.on("add", (a: number, b: number, ack: (n: number) => void) => ack(a + b));
        client.on("silent", () => {});
        const [socket] = await connected;
        assert.equal(await socket.timeout(5000).emitWithAck("add", 2, 3), 5);
        await assert.rejects(socket.timeout(30).emitWithAck("silent"), {
          message: "operation has timed out",
        });
      }));

    test("disconnect reasons on both sides", () =>
      withHarness(mode, undefined, async (h) => {
        const reasons: DisconnectReason[] = [];
        h.io.on("connection", (socket) => socket.on("disconnect", (r) => reasons.push(r)));

        const kicked = h.client();
        await next(kicked, "connect");
        const [s1] = await h.io.fetchSockets();
        const kickedReason = next<[string]>(kicked, "disconnect");
        s1!.disconnect();
        assert.equal((await kickedReason)[0], "io server disconnect");

        const leaving = h.client();
        await next(leaving, "connect");
        const [s2] = h.io.sockets.sockets.values();
        const left = next(s2!, "disconnect");
        leaving.disconnect();
        await left;

        const dropped = h.client();
        await next(dropped, "connect");
        const [s3] = h.io.sockets.sockets.values();
        const gone = next(s3!, "disconnect");
        dropped.io.engine.close();
        await gone;
        assert.deepEqual(reasons, [
          "server namespace disconnect",
          "client namespace disconnect",
          "transport close",
        ]);
      }));

    test("catch-all listeners, socket middleware, and room operations from the server", () =>
      withHarness(mode, undefined, async (h) => {
        const incoming: unknown[][] = [];
        const outgoing: unknown[][] = [];
        const refused: string[] = [];
        h.io.on("connection", (socket) => {
          socket.onAny((...args: unknown[]) => incoming.push(args));
          socket.onAnyOutgoing((...args: unknown[]) => outgoing.push(args));
          socket.use(([event], next) =>
            event === "forbidden" ? next(new Error("refused")) : next(),
          );
          socket.on("error", (err) => refused.push(err.message));
          socket.on("echo", (text: string) => socket.emit("echo", text));
        });
        const a = h.client();
        const b = h.client();
        await Promise.all([next(a, "connect"), next(b, "connect")]);
        a.emit("forbidden");
        const echoed = next<[string]>(a, "echo");
        a.emit("echo", "x");
        assert.deepEqual(await echoed, ["x"]);
        assert.deepEqual(refused, ["refused"]);
        assert.deepEqual(incoming, [["forbidden"], ["echo", "x"]]);
        assert.deepEqual(outgoing, [["echo", "x"]]);

        h.io.socketsJoin("everyone");
        h.io.in(a.id!).socketsJoin("a-only");
        const toA = next<[string]>(a, "note");
        let bGotNote = false;
        b.on("note", () => {
          bGotNote = true;
        });
        h.io.to("a-only").emit("note", "for a");
        assert.deepEqual(await toA, ["for a"]);
        h.io.in("everyone").socketsLeave("a-only");
        assert.equal((await h.io.in("a-only").fetchSockets()).length, 0);
        const kicked = next<[string]>(b, "disconnect");
        h.io.in(b.id!).disconnectSockets();
        assert.equal((await kicked)[0], "io server disconnect");
        assert.equal(bGotNote, false);
        assert.deepEqual(await h.io.serverSideEmitWithAck("hello"), []);
      }));

    test("dynamic namespaces by RegExp", () =>
      withHarness(mode, undefined, async (h) => {
        const names: string[] = [];
        h.io.of(/^\/dyn-\d+$/).on("connection", (socket) => names.push(socket.nsp.name));
        const client = h.client("/dyn-42");
        await next(client, "connect");
        assert.deepEqual(names, ["/dyn-42"]);
      }));

    test("connection state recovery restores id, rooms, data and missed packets in order", () =>
      withHarness(
        mode,
        { connectionStateRecovery: { maxDisconnectionDuration: 10_000 } },
        async (h) => {
          h.io.on("connection", (socket) => {
            if (socket.recovered) return;
            void socket.join("room");
            socket.data = { n: 7 };
            socket.emit("welcome");
          });
          const client = h.client("/");
          const received: unknown[] = [];
          client.on("missed", (n: number) => received.push(n));
          await next(client, "welcome");
          const firstId = client.id;
          const [server1] = h.io.sockets.sockets.values();
          const serverSaw = new Promise<DisconnectReason>((resolve) =>
            server1!.on("disconnect", (reason) => {
              h.io.to("room").emit("missed", 1);
              h.io.emit("missed", 2);
              h.io.to("room").emit("missed", 3);
              resolve(reason);
            }),
          );
          // the network drops: the client's transport closes, then it connects again
          client.io.engine.close();
          assert.equal(await serverSaw, "transport close");
          const reconnected = next(client, "connect");
          client.connect();
          await reconnected;
          assert.equal(client.recovered, true);
          assert.equal(client.id, firstId);
          const [server2] = h.io.sockets.sockets.values();
          assert.equal(server2!.recovered, true);
          assert.deepEqual(server2!.rooms, new Set([firstId!, "room"]));
          assert.deepEqual(server2!.data, { n: 7 });
          // the missed packets were written right after CONNECT; one more event flushes them all
          const flushed = next(client, "flush");
          server2!.emit("flush");
          await flushed;
          assert.deepEqual(received, [1, 2, 3]);
        },
      ));
  });
}
