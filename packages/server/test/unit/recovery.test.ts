import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type AdapterNamespace,
  InMemoryAdapter,
  type PrivateSessionId,
  type Socket,
  type SocketId,
} from "@switchboard/server";
import { type FakeSession, fakeServer, tick } from "../helpers.ts";

function connectPayload(frame: string | Buffer | undefined): { sid: string; pid: string } {
  return JSON.parse(String(frame).slice(1));
}

function lastOffset(frames: (string | Buffer)[]): string {
  const args = JSON.parse(String(frames[frames.length - 1]).slice(1)) as unknown[];
  return args[args.length - 1] as string;
}

test("a socket reconnecting in time gets back id, rooms, data and missed packets in order", async () => {
  const { io, engine } = fakeServer({
    connectionStateRecovery: { maxDisconnectionDuration: 60_000 },
  });
  let middlewareRuns = 0;
  io.use((_s, next) => {
    middlewareRuns++;
    next();
  });
  const sockets: Socket[] = [];
  io.on("connection", (s) => {
    sockets.push(s);
  });
  const first = engine.open();
  const other = engine.open();
  first.receive("0");
  other.receive("0");
  await tick();
  const { sid, pid } = connectPayload(first.take()[0]);
  other.take();
  const s1 = sockets[0]!;
  assert.equal(s1.recovered, false);
  await s1.join("room");
  s1.data = { name: "ann" };
  s1.emit("private", 1);
  io.to("room").emit("roomcast", 2);
  const offset = lastOffset(first.take());

  first.drop("transport close");
  io.to("room").emit("missed", 1);
  io.emit("missed", 2);
  io.except("room").emit("not-for-you");
  io.to(sockets[1]!.id).emit("not-for-you");

  const second: FakeSession = engine.open();
  second.receive(`0${JSON.stringify({ pid, offset })}`);
  await tick();
  const frames = second.take().map(String);
  assert.deepEqual(connectPayload(frames[0]), { sid, pid });
  const missed = frames.slice(1).map((f) => (JSON.parse(f.slice(1)) as unknown[]).slice(0, -1));
  assert.deepEqual(missed, [
    ["missed", 1],
    ["missed", 2],
  ]);
  const s2 = sockets[2]!;
  assert.equal(s2.recovered, true);
  assert.equal(s2.id, sid);
  assert.deepEqual(s2.rooms, new Set([sid, "room"]));
  assert.deepEqual(s2.data, { name: "ann" });
  assert.equal(middlewareRuns, 2, "skipMiddlewares defaults to true");
  await io.close();
});

test("recovery fails over (new id) with an unknown offset, an unknown pid, or after expiry", async (t) => {
  t.mock.timers.enable({ apis: ["Date", "setInterval"] });
  const { io, engine } = fakeServer({
    connectionStateRecovery: { maxDisconnectionDuration: 1000 },
  });
  const first = engine.open();
  first.receive("0");
  await tick();
  const { sid, pid } = connectPayload(first.take()[0]);
  io.emit("x");
  const offset = lastOffset(first.take());
  first.drop("transport close");

  const tryRecover = async (auth: object) => {
    const s = engine.open();
    s.receive(`0${JSON.stringify(auth)}`);
    await tick();
    return connectPayload(s.take()[0]);
  };
  assert.notEqual((await tryRecover({ pid: "nope", offset })).sid, sid);
  assert.notEqual((await tryRecover({ pid, offset: "unknown" })).sid, sid);
  await io.close();

  const again = fakeServer({ connectionStateRecovery: { maxDisconnectionDuration: 1000 } });
  const a = again.engine.open();
  a.receive("0");
  await tick();
  const p = connectPayload(a.take()[0]);
  again.io.emit("x");
  const off = lastOffset(a.take());
  a.drop("transport close");
  t.mock.timers.tick(1001);
  const b = again.engine.open();
  b.receive(`0${JSON.stringify({ pid: p.pid, offset: off })}`);
  await tick();
  assert.notEqual(connectPayload(b.take()[0]).sid, p.sid);
  await again.io.close();
});

test("a socket closed by a namespace disconnect is not kept for recovery", async () => {
  const { io, engine } = fakeServer({ connectionStateRecovery: true });
  const session = engine.open();
  session.receive("0");
  await tick();
  const store = (io.of("/").adapter as InMemoryAdapter).recoveryStore!;
  session.receive("1");
  assert.equal(store.size.sessions, 0);
  const other = engine.open();
  other.receive("0");
  await tick();
  other.drop("transport close");
  assert.equal(store.size.sessions, 1);
  await io.close();
});

test("without recovery, CONNECT carries no pid and events no offset", async () => {
  const { io, engine } = fakeServer();
  const session = engine.open();
  session.receive("0");
  await tick();
  assert.deepEqual(Object.keys(connectPayload(session.take()[0])), ["sid"]);
  io.emit("x", 1);
  assert.deepEqual(session.take(), ['2["x",1]']);
  await io.close();
});

test("with skipMiddlewares false a recovering socket runs the middlewares again", async () => {
  const { io, engine } = fakeServer({ connectionStateRecovery: { skipMiddlewares: false } });
  const seen: boolean[] = [];
  io.use((socket, next) => {
    seen.push(socket.recovered);
    next();
  });
  const first = engine.open();
  first.receive("0");
  await tick();
  const { sid, pid } = connectPayload(first.take()[0]);
  io.emit("x");
  const offset = lastOffset(first.take());
  first.drop("ping timeout");
  io.to(sid).emit("direct", 1);
  const second = engine.open();
  second.receive(`0${JSON.stringify({ pid, offset })}`);
  await tick();
  const frames = second.take().map(String);
  assert.equal(connectPayload(frames[0]).sid, sid);
  assert.match(frames[1]!, /^2\["direct",1,"[\w-]+"\]$/);
  assert.deepEqual(seen, [false, true]);
  await io.close();
});

test("a restore that fails (its store is away) gives a fresh session, never a lost CONNECT", async () => {
  class Failing extends InMemoryAdapter {
    override restoreSession(): Promise<null> {
      return Promise.reject(new Error("store unreachable"));
    }
  }
  const { io, engine } = fakeServer({
    connectionStateRecovery: { maxDisconnectionDuration: 60_000 },
    adapter: Failing,
  });
  const sockets: Socket[] = [];
  io.on("connection", (s) => sockets.push(s));
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on("unhandledRejection", onUnhandled);
  const session = engine.open();
  session.receive(`0${JSON.stringify({ pid: "p", offset: "1-0" })}`);
  await tick();
  await tick();
  process.off("unhandledRejection", onUnhandled);
  const { sid, pid } = connectPayload(session.take()[0]);
  assert.equal(sockets.length, 1);
  assert.equal(sockets[0]!.recovered, false);
  assert.equal(sockets[0]!.id, sid);
  assert.notEqual(pid, "p");
  assert.deepEqual(unhandled, []);
  await io.close();
});

test("an adapter that keeps connected sessions hears of each one and of replaced data", async () => {
  const heard: string[] = [];
  class Keeping extends InMemoryAdapter {
    constructor(nsp: AdapterNamespace) {
      super(nsp);
    }
    trackSession(sid: SocketId, pid: PrivateSessionId): void {
      heard.push(`track ${sid} ${pid.length > 0} ${[...(this.sids.get(sid) ?? [])].join()}`);
    }
    sessionDataChanged(sid: SocketId): void {
      heard.push(`data ${sid}`);
    }
  }
  const { io, engine } = fakeServer({
    connectionStateRecovery: { maxDisconnectionDuration: 60_000 },
    adapter: Keeping,
  });
  io.on("connection", (s) => {
    s.data = { a: 1 };
    s.data.a = 2; // a change in place is not a replacement
  });
  const session = engine.open();
  session.receive("0");
  await tick();
  const { sid } = connectPayload(session.take()[0]);
  assert.deepEqual(heard, [`track ${sid} true ${sid}`, `data ${sid}`]);
  await io.close();
});
