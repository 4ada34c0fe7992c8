/**
 * The browser bundle in real Chromium against the official socket.io 4.8 server: connect,
 * events, binary, acks, the three modes, reconnection after a server restart, and fallback to
 * polling when WebSocket upgrades are refused.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { launchChromium, openPage, type PageServer, startPageServer } from "./harness.ts";

/** The page's global, as the bundle defines it (only what the tests use). */
declare const io: (
  options?: Record<string, unknown>,
) => import("@switchboard/client").Socket & { io: import("@switchboard/client").Manager };

function echoServer(server: PageServer): void {
  server.io.on("connection", (s) => {
    s.on("echo", (...args: unknown[]) => (args.pop() as (...a: unknown[]) => void)(...args));
    s.on("bounce", (...args: unknown[]) => s.emit("bounced", ...args));
    s.on("ask", async () => s.emit("answer", await s.emitWithAck("question", 20)));
  });
}

describe("browser bundle in Chromium", { timeout: 60_000 }, () => {
  let browser: Browser;
  let server: PageServer;
  before(async () => {
    [browser, server] = await Promise.all([launchChromium(), startPageServer()]);
    echoServer(server);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test("defines the global io with Manager, Socket and protocol 5", async () => {
    const page = await openPage(browser, server);
    const shape = await page.evaluate(() => {
      const g = io as unknown as Record<string, unknown>;
      return [typeof g, typeof g.Manager, typeof g.Socket, g.protocol, typeof g.connect];
    });
    assert.deepEqual(shape, ["function", "function", "function", 5, "function"]);
    await page.close();
  });

  for (const [mode, transports, expected] of [
    ["default ladder", undefined, "websocket"],
    ["polling", ["polling"], "polling"],
    ["upgrade", ["polling", "websocket"], "websocket"],
  ] as const) {
    test(`${mode}: events, binary and acks both ways`, async () => {
      const page = await openPage(browser, server);
      const result = await page.evaluate(
        async (transports) => {
          const socket = io({ forceNew: true, ...(transports ? { transports } : {}) });
          await new Promise<void>((resolve) => socket.on("connect", () => resolve()));
          if (transports?.length === 2 && socket.io.engine?.transport?.name !== "websocket") {
            await new Promise((resolve) => socket.io.engine?.on("upgrade", resolve));
          }
          const bounced = new Promise<unknown[]>((resolve) =>
            socket.on("bounced", (...args: unknown[]) => resolve(args)),
          );
          socket.emit("bounce", "text", { n: 1 }, new Uint8Array([1, 2, 3]));
          const [text, obj, bin] = await bounced;
          const echoed = (await socket.emitWithAck("echo", {
            data: new Uint8Array([9, 8]).buffer,
          })) as { data: ArrayBuffer };
          socket.on("question", (n: number, ack: (v: number) => void) => ack(n + 1));
          const answer = new Promise((resolve) => socket.on("answer", resolve));
          socket.emit("ask");
          const out = {
            transport: socket.io.engine?.transport?.name,
            text,
            obj,
            bin: [bin instanceof ArrayBuffer, [...new Uint8Array(bin as ArrayBuffer)]],
            echoed: [...new Uint8Array(echoed.data)],
            answer: await answer,
          };
          socket.disconnect();
          return out;
        },
        transports as readonly string[] | undefined,
      );
      assert.deepEqual(result, {
        transport: expected,
        text: "text",
        obj: { n: 1 },
        bin: [true, [1, 2, 3]],
        echoed: [9, 8],
        answer: 21,
      });
      await page.close();
    });
  }
});

describe("browser bundle: write scheduling", { timeout: 60_000 }, () => {
  let browser: Browser;
  let server: PageServer;
  before(async () => {
    [browser, server] = await Promise.all([launchChromium(), startPageServer()]);
    echoServer(server);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  // A browser clamps nested zero-delay timers to 4 ms: a client that waits for a timer between
  // WebSocket writes pays that on every round trip once traffic is steady.
  test("websocket: back-to-back acks schedule no zero-delay timer between writes", async () => {
    const page = await openPage(browser, server);
    const result = await page.evaluate(async () => {
      const socket = io({ forceNew: true, transports: ["websocket"] });
      await new Promise<void>((resolve) => socket.on("connect", () => resolve()));
      let shortTimers = 0;
      const original = window.setTimeout;
      window.setTimeout = ((fn: TimerHandler, delay?: number, ...rest: unknown[]) => {
        if ((delay ?? 0) <= 4) shortTimers++;
        return original(fn, delay, ...rest);
      }) as typeof window.setTimeout;
      const echoed: unknown[] = [];
      for (let i = 0; i < 100; i++) echoed.push(await socket.emitWithAck("echo", i));
      window.setTimeout = original;
      const transport = socket.io.engine?.transport?.name;
      socket.disconnect();
      return { shortTimers, transport, last: echoed[99], count: echoed.length };
    });
    assert.deepEqual(result, { shortTimers: 0, transport: "websocket", last: 99, count: 100 });
    await page.close();
  });
});

describe("browser bundle: restart and fallback", { timeout: 60_000 }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(() => browser?.close());

  test("reconnects after the server restarts", async () => {
    const first = await startPageServer();
    echoServer(first);
    const page = await openPage(browser, first);
    await page.evaluate(async () => {
      const socket = io({ reconnectionDelay: 50, reconnectionDelayMax: 100 });
      const w = window as unknown as Record<string, unknown>;
      w.log = [] as string[];
      socket.on("connect", () => (w.log as string[]).push("connect"));
      socket.on("disconnect", (reason: string) => (w.log as string[]).push(`disconnect:${reason}`));
      socket.io.on("reconnect", () => (w.log as string[]).push("reconnect"));
      w.socket = socket;
      await new Promise<void>((resolve) => socket.on("connect", () => resolve()));
    });
    await first.close();
    await page.waitForFunction(() =>
      ((window as unknown as { log: string[] }).log ?? []).some((l) => l.startsWith("disconnect")),
    );
    const second = await startPageServer({}, first.port);
    echoServer(second);
    await page.waitForFunction(
      () =>
        (window as unknown as { log: string[] }).log.filter((l) => l === "connect").length === 2,
    );
    const log = await page.evaluate(() => (window as unknown as { log: string[] }).log);
    assert.equal(log[0], "connect");
    assert.match(log[1]!, /^disconnect:transport (close|error)$/);
    assert.ok(log.includes("reconnect"));
    const echoed = await page.evaluate(() =>
      (
        window as unknown as { socket: { emitWithAck(...a: unknown[]): Promise<unknown> } }
      ).socket.emitWithAck("echo", "after restart"),
    );
    assert.equal(echoed, "after restart");
    await page.close();
    await second.close();
  });

  test("falls back to polling when WebSocket upgrades are refused", async () => {
    const server = await startPageServer();
    echoServer(server);
    // A proxy that refuses upgrades: every upgrade request is cut.
    server.http.removeAllListeners("upgrade");
    let refused = 0;
    server.http.on("upgrade", (_req, socket) => {
      refused++;
      socket.destroy();
    });
    const page = await openPage(browser, server);
    const result = await page.evaluate(async () => {
      const socket = io({ forceNew: true });
      await new Promise<void>((resolve) => socket.on("connect", () => resolve()));
      const echoed = await socket.emitWithAck("echo", "through polling");
      const name = socket.io.engine?.transport?.name;
      socket.disconnect();
      return { name, echoed };
    });
    assert.deepEqual(result, { name: "polling", echoed: "through polling" });
    assert.ok(refused >= 1);
    await page.close();
    await server.close();
  });
});
