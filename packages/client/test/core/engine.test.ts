/**
 * EngineClient with scripted transports: the ladder (fail, stall, exhaust), the handshake,
 * heartbeat, write batching, close, and the probe/upgrade sequence (ProbeAttempt), packet by
 * packet. The scripted transport keeps the transport contract as strictly as the real ones.
 */
import assert from "node:assert/strict";
import { afterEach, beforeEach, mock, test } from "node:test";
import type { EnginePacket } from "@switchboard/protocol";
import { EngineClient } from "../../src/core/engine.ts";
import type { TransportMemory } from "../../src/core/ladder.ts";
import { resolveManagerOptions } from "../../src/core/options.ts";
import type {
  ClientTransport,
  TransportContext,
  TransportFactory,
  TransportHandlers,
  TransportName,
} from "../../src/core/transport.ts";
import { next } from "../helpers.ts";

// The engine's timers (a rung's transportTimeout, a probe's timeout, the heartbeat) run on a
// mocked clock: they fire only when a test moves it with mock.timers.tick(), never because
// the machine was slow between two steps of a test (a rung abandoned before the test could
// hand it its open packet).
beforeEach(() => mock.timers.enable({ apis: ["setTimeout"] }));
afterEach(() => mock.timers.reset());

/**
 * A transport the test drives, held to the contract of `ClientTransport` as the real ones
 * are: it opens before it carries packets (`open()`, as a WebSocket's open event; an HTTP
 * transport is open at once), takes one batch at a time (drained a microtask later, as the
 * WebSocket transport does), and once closed (by the engine, or by its own failure) it calls
 * nothing more: a test that delivers to a closed transport fails. The test's deliveries go
 * through the handlers object the engine gave, which the engine may hand to another owner.
 */
class Scripted implements ClientTransport {
  readonly sent: EnginePacket[][] = [];
  state: "connecting" | "open" | "probing" | "pausing" | "paused" | "closed";
  /** Set: pause() waits (as an HTTP transport with a poll in flight) until this is called. */
  holdPause: boolean | (() => void) = false;
  readonly url: string;
  #draining = false;
  constructor(
    readonly name: TransportName,
    ctx: TransportContext,
    readonly h: TransportHandlers,
  ) {
    this.url = ctx.url();
    // A WebSocket (and a probe) waits for its open event; the HTTP transports are open at once.
    this.state = name === "websocket" ? "connecting" : "open";
  }
  #live(what: string): void {
    if (this.state === "closed") throw new Error(`a closed transport cannot ${what}`);
  }
  /** The transport opened (a WebSocket's open event). */
  open(): void {
    this.#live("open");
    assert.equal(this.state, "connecting", "opens once");
    this.state = "open";
    this.h.onOpen();
  }
  /** A packet arrives. */
  packet(packet: EnginePacket): void {
    this.#live("deliver");
    assert.notEqual(this.state, "connecting", "a packet before the open event");
    this.h.onPacket(packet);
  }
  /** The transport fails: it closes itself, then reports. */
  fail(error: Error): void {
    this.#live("fail");
    this.state = "closed";
    this.h.onError(error);
  }
  /** The server ended it: it closes itself, then reports. */
  end(): void {
    this.#live("end");
    this.state = "closed";
    this.h.onClose();
  }
  send(packets: EnginePacket[]): void {
    this.#live("send");
    assert.notEqual(this.state, "connecting", "send before open");
    assert.equal(this.#draining, false, "one batch at a time: send before the last drained");
    this.sent.push(packets);
    this.#draining = true;
    queueMicrotask(() => {
      this.#draining = false;
      if (this.state !== "closed") this.h.onDrain();
    });
  }
  probeSent(): void {
    if (this.state === "open") this.state = "probing";
  }
  pause(done: () => void): void {
    this.#live("pause");
    this.state = "pausing";
    const paused = () => {
      if (this.state !== "pausing") return;
      this.state = "paused";
      done();
    };
    if (this.holdPause) this.holdPause = paused;
    else paused();
  }
  resume(): void {
    if (this.state !== "closed") this.state = "open";
  }
  close(): void {
    this.state = "closed";
  }
}

interface ScriptedFactory extends TransportFactory {
  made: Scripted[];
  /** Resolves with the next transport this factory creates. */
  created(): Promise<Scripted>;
}

function scripted(name: TransportName): ScriptedFactory {
  const made: Scripted[] = [];
  let waiter: ((t: Scripted) => void) | undefined;
  return {
    transportName: name,
    made,
    created: () => new Promise((resolve) => (waiter = resolve)),
    create: (ctx, h) => {
      const t = new Scripted(name, ctx, h);
      made.push(t);
      waiter?.(t);
      return t;
    },
  };
}

const handshake = (extra: Record<string, unknown> = {}): EnginePacket => ({
  type: "open",
  data: JSON.stringify({
    sid: "abc",
    upgrades: [],
    pingInterval: 25000,
    pingTimeout: 20000,
    maxPayload: 1000000,
    ...extra,
  }),
});

function engine(
  transports: TransportFactory[],
  memory: TransportMemory = {},
  options: Record<string, unknown> = {},
): EngineClient {
  const opts = resolveManagerOptions({ transports, transportTimeout: 4000, ...options }, []);
  return new EngineClient({ origin: "http://h:1" }, opts, memory);
}

/** A session open on polling whose handshake offers websocket: the engine probes it at once. */
async function upgradable(memory: TransportMemory = {}) {
  const poll = scripted("polling");
  const ws = scripted("websocket");
  const e = engine([poll, ws], memory);
  await new Promise((r) => setImmediate(r));
  const old = poll.made[0]!;
  old.packet(handshake({ upgrades: ["websocket"] }));
  return { e, old, ws };
}

test("the ladder moves on when a transport fails, and remembers the one that opened", async () => {
  const ws = scripted("websocket");
  const poll = scripted("polling");
  const memory: TransportMemory = {};
  const e = engine([ws, poll], memory);
  await new Promise((r) => setImmediate(r));
  assert.equal(ws.made.length, 1);
  assert.equal(ws.made[0]!.url, "http://h:1/socket.io/?EIO=4&transport=websocket");
  ws.made[0]!.fail(new Error("refused"));
  assert.equal(ws.made[0]!.state, "closed");
  assert.equal(poll.made.length, 1);
  const opened = next(e, "open");
  poll.made[0]!.packet(handshake());
  await opened;
  assert.equal(e.id, "abc");
  assert.equal(e.transport, poll.made[0]);
  assert.equal(memory.preferred, "polling");
  e.close();
});

test("a transport that stalls past transportTimeout is abandoned", async () => {
  const sse = scripted("sse");
  const poll = scripted("polling");
  const tried = poll.created();
  const e = engine([sse, poll], {}, { transportTimeout: 20 });
  await new Promise((r) => setImmediate(r));
  assert.equal(sse.made.length, 1);
  mock.timers.tick(19);
  assert.equal(poll.made.length, 0, "not abandoned before transportTimeout");
  mock.timers.tick(1); // transportTimeout without an open packet
  await tried;
  assert.equal(sse.made[0]!.state, "closed");
  e.close();
});

test("when every transport fails: SB_ERR_TRANSPORTS_EXHAUSTED listing each failure", async () => {
  const a = scripted("websocket");
  const b = scripted("polling");
  const e = engine([a, b]);
  const failed = next<[Error & { code: string; data: unknown }]>(e, "error");
  const closed = next(e, "close");
  await new Promise((r) => setImmediate(r));
  a.made[0]!.fail(new Error("no ws"));
  b.made[0]!.end();
  const [error] = await failed;
  assert.equal(error.code, "SB_ERR_TRANSPORTS_EXHAUSTED");
  assert.deepEqual(error.data, [
    { transport: "websocket", message: "no ws" },
    { transport: "polling", message: "closed" },
  ]);
  assert.deepEqual((await closed)[0], "transport error");
  assert.equal(e.readyState, "closed");
});

test("answers pings with pongs; a missing ping closes with 'ping timeout' and demotes", async () => {
  const poll = scripted("polling");
  const memory: TransportMemory = {};
  const e = engine([poll], memory);
  await new Promise((r) => setImmediate(r));
  const t = poll.made[0]!;
  t.packet(handshake({ pingInterval: 5, pingTimeout: 5 }));
  mock.timers.tick(8);
  t.packet({ type: "ping" });
  assert.deepEqual(t.sent, [[{ type: "pong" }]]);
  const closed = next(e, "close");
  mock.timers.tick(9);
  assert.equal(e.readyState, "open", "the ping restarted the 10 ms timer");
  mock.timers.tick(1); // pingInterval + pingTimeout after the last ping
  const [reason] = await closed;
  assert.equal(reason, "ping timeout");
  assert.equal(memory.demoted, "polling");
  assert.equal(t.state, "closed");
});

test("writes are batched one send at a time, under maxPayload", async () => {
  const poll = scripted("polling");
  const e = engine([poll]);
  await new Promise((r) => setImmediate(r));
  const t = poll.made[0]!;
  t.packet(handshake({ maxPayload: 40 }));
  e.write("aaaaaaaaaa").write("bbbbbbbbbb").write("cccccccccc").write("d");
  await next(e, "drain");
  // A text packet counts 1 + 3 bytes per character (worst-case UTF-8): 31 for ten characters,
  // so two of those never share a 40-byte batch, and "d" (4) joins the last one.
  const m = (data: string) => ({ type: "message", data });
  assert.deepEqual(t.sent, [[m("aaaaaaaaaa")], [m("bbbbbbbbbb")], [m("cccccccccc"), m("d")]]);
  e.close();
});

test("close() sends what is pending and a close packet, then closes the transport", async () => {
  const poll = scripted("polling");
  const e = engine([poll]);
  await new Promise((r) => setImmediate(r));
  const t = poll.made[0]!;
  t.packet(handshake());
  e.write("first");
  e.write("second"); // buffered behind the first send
  const closed = next(e, "close");
  e.close();
  assert.deepEqual((await closed)[0], "forced close");
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(t.sent, [
    [{ type: "message", data: "first" }],
    [{ type: "message", data: "second" }, { type: "close" }],
  ]);
  assert.equal(t.state, "closed");
});

test("writes made during an upgrade go out with its 5, in one batch (one POST on sse)", async () => {
  const { e, ws } = await upgradable();
  const probe = ws.made[0]!;
  probe.open();
  e.once("upgrading", () => e.write("during"));
  const upgraded = next(e, "upgrade");
  probe.packet({ type: "pong", data: "probe" });
  await upgraded;
  // Not [5] alone, then the write after 5's drain: that cost a round trip on an HTTP transport.
  assert.deepEqual(probe.sent[1], [{ type: "upgrade" }, { type: "message", data: "during" }]);
  e.close();
});

test("upgrade: 2probe, 3probe, pause, 5, then writes go to the new transport", async () => {
  const memory: TransportMemory = {};
  const { e, old, ws } = await upgradable(memory);
  const probe = ws.made[0]!;
  assert.equal(probe.url, "http://h:1/socket.io/?EIO=4&transport=websocket&sid=abc");
  probe.open();
  assert.deepEqual(probe.sent, [[{ type: "ping", data: "probe" }]]);
  const upgraded = next(e, "upgrade");
  // 3probe before the 2probe write drained (an sse POST answered after its stream spoke): the
  // pause, and the `5` write, wait for the drain (the strict fake refuses a second batch).
  probe.packet({ type: "pong", data: "probe" });
  assert.equal(e.readyState, "open", "not pausing before the probe's write drained");
  assert.equal(old.state, "probing");
  assert.deepEqual(await upgraded, [probe], "the new transport, as engine.io-client gives it");
  assert.equal(old.state, "closed");
  assert.equal(e.transport, probe);
  assert.deepEqual(probe.sent[1], [{ type: "upgrade" }]);
  assert.equal(memory.preferred, "websocket");
  e.write("hi");
  await next(e, "drain");
  assert.deepEqual(probe.sent.at(-1), [{ type: "message", data: "hi" }]);
  const message = next(e, "message");
  probe.packet({ type: "message", data: "down" });
  assert.deepEqual(await message, ["down"]);
  e.close();
});

test("a failed probe leaves the session where it was", async () => {
  const { e, old, ws } = await upgradable();
  const failed = next<[Error]>(e, "upgradeError");
  ws.made[0]!.open();
  ws.made[0]!.packet({ type: "pong", data: "not the probe" });
  assert.equal((await failed)[0].message, "probe error");
  assert.equal(e.transport, old);
  assert.equal(old.state, "open");
  assert.equal(ws.made[0]!.state, "closed");
  e.close();
});

test("a transport whose constructor throws is one more failed rung; a probe's, an upgradeError", async () => {
  let attempts = 0;
  const broken: TransportFactory = {
    transportName: "websocket",
    create: () => {
      attempts++;
      throw new Error("blocked by CSP");
    },
  };
  const poll = scripted("polling");
  const e = engine([broken, poll]);
  await new Promise((r) => setImmediate(r));
  assert.equal(attempts, 1);
  assert.equal(poll.made.length, 1);
  poll.made[0]!.packet(handshake({ upgrades: ["websocket"] }));
  assert.equal(e.readyState, "open");
  assert.equal(attempts, 1, "a rung that failed is not probed again");
  e.close();

  const e2 = engine([poll, broken]);
  await new Promise((r) => setImmediate(r));
  const failedProbe = next<[Error]>(e2, "upgradeError");
  poll.made[1]!.packet(handshake({ upgrades: ["websocket"] }));
  assert.equal((await failedProbe)[0].message, "blocked by CSP");
  assert.equal(e2.transport, poll.made[1]);
  assert.equal(e2.readyState, "open");
  e2.close();
});

test("a probe that fails while the old transport pauses resumes it, and the session stays", async () => {
  const { e, old, ws } = await upgradable();
  old.holdPause = true; // a poll in flight: the pause does not complete at once
  const probe = ws.made[0]!;
  probe.open();
  assert.equal(old.state, "probing", "told when 2probe went out");
  const upgrading = next(e, "upgrading");
  probe.packet({ type: "pong", data: "probe" });
  await upgrading;
  assert.equal(old.state, "pausing");
  assert.equal(e.readyState, "upgrading");
  const failed = next<[Error]>(e, "upgradeError");
  probe.end(); // the probe dies before the pause completes
  assert.equal((await failed)[0].message, "closed");
  assert.equal(old.state, "open", "resumed");
  assert.equal(e.readyState, "open");
  assert.equal(e.transport, old);
  (old.holdPause as unknown as () => void)(); // the poll in flight returns: nothing happens any more
  assert.equal(old.state, "open");
  e.write("still here");
  await next(e, "drain");
  assert.deepEqual(old.sent.at(-1), [{ type: "message", data: "still here" }]);
  e.close();
});

test("a probe that times out before 3probe resumes the old transport", async () => {
  const { e, old, ws } = await upgradable();
  ws.made[0]!.open();
  assert.equal(old.state, "probing");
  const failed = next<[Error]>(e, "upgradeError");
  mock.timers.tick(4000);
  assert.equal((await failed)[0].message, "websocket probe timeout");
  assert.equal(old.state, "open");
  e.close();
});

test("bufferedAmount counts the bytes written and not yet handed to the transport; drain at 0", async () => {
  const poll = scripted("polling");
  const e = engine([poll]);
  await new Promise((r) => setImmediate(r));
  poll.made[0]!.packet(handshake());
  assert.equal(e.bufferedAmount, 0);
  // "héllo €" is 10 bytes of UTF-8; the first goes out at once, the rest waits behind it.
  e.write("héllo €").write(new Uint8Array(16)).write("😀");
  assert.equal(e.bufferedAmount, 10 + 16 + 4);
  await next(e, "drain");
  assert.equal(e.bufferedAmount, 0);
  e.close();
  assert.equal(e.bufferedAmount, 0);
});
