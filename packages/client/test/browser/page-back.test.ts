/**
 * What a page's life does to a connection, in Chromium with the bundle against socket.io 4.8:
 * the transport that worked is remembered in sessionStorage (a reload starts with it), and a
 * socket waiting to reconnect tries at once when the page comes back (online, pageshow,
 * visibilitychange to visible) instead of waiting out its backoff delay.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { launchChromium, openPage, type PageServer, startPageServer } from "./harness.ts";

declare const io: (
  options?: Record<string, unknown>,
) => import("@switchboard/client").Socket & { io: import("@switchboard/client").Manager };

/** The page's state, kept on `window` between evaluate() calls. */
declare const page: {
  socket: ReturnType<typeof io>;
  attempts: number[];
  connects: number;
  hidden: boolean;
  dropped: Promise<void>;
};

describe("the page's life: reloads, and coming back", { timeout: 60_000 }, () => {
  let browser: Browser;
  let server: PageServer;
  before(async () => {
    [browser, server] = await Promise.all([launchChromium(), startPageServer()]);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test("the transport that worked is remembered across a reload (sessionStorage)", async () => {
    // A server that refuses WebSocket (it resets the upgrade): the page falls back to polling.
    const refusing = await startPageServer({ transports: ["polling"] });
    let upgrades = 0;
    refusing.http.on("upgrade", (_req, socket) => {
      upgrades++;
      socket.destroy();
    });
    const p = await openPage(browser, refusing);
    try {
      const connect = () =>
        p.evaluate(async () => {
          const socket = io({ forceNew: true, transports: ["websocket", "polling"] });
          await new Promise<void>((resolve) => socket.on("connect", () => resolve()));
          const name = socket.io.engine.transport.name;
          socket.disconnect();
          return name;
        });
      assert.equal(await connect(), "polling");
      assert.equal(upgrades, 1, "websocket was tried first, and refused");
      await p.reload();
      assert.equal(await connect(), "polling");
      assert.equal(upgrades, 1, "after the reload, polling first: no WebSocket attempt");
    } finally {
      await p.close();
      await refusing.close();
    }
  });

  /**
   * A page whose socket lost its connection and waits to reconnect for a backoff delay far
   * longer than the test (2^30 ms, no jitter).
   */
  async function waiting(): Promise<Page> {
    const p = await openPage(browser, server);
    const connected = p.evaluate(() => {
      const delay = 2 ** 30;
      const socket = io({
        forceNew: true,
        reconnectionDelay: delay,
        reconnectionDelayMax: delay,
        randomizationFactor: 0,
      });
      const state = {
        socket,
        attempts: [] as number[],
        connects: 0,
        hidden: false,
        dropped: new Promise<void>((resolve) => socket.once("disconnect", () => resolve())),
      };
      (window as unknown as { page: typeof state }).page = state;
      socket.io.on("reconnect_attempt", (n) => state.attempts.push(n));
      return new Promise<void>((resolve) =>
        socket.on("connect", () => {
          state.connects++;
          resolve();
        }),
      );
    });
    await connected;
    for (const s of server.io.of("/").sockets.values()) s.conn.close();
    await p.evaluate(() => page.dropped);
    assert.equal(await p.evaluate(() => page.socket.io.readyState), "waiting");
    return p;
  }

  /** Resolves once the page's socket connected again. */
  const reconnected = (p: Page) =>
    p.evaluate(
      () =>
        new Promise<number>((resolve) => {
          if (page.connects > 1) resolve(page.connects);
          else page.socket.once("connect", () => resolve(page.connects + 1));
        }),
    );

  test("online: the network is back, the socket reconnects at once", async () => {
    const p = await waiting();
    try {
      const context = p.context();
      await context.setOffline(true);
      await context.setOffline(false); // Chromium fires `online`
      await p.waitForFunction(() => page.attempts.length > 0);
      assert.deepEqual(await p.evaluate(() => page.attempts), [1]);
      await reconnected(p);
      assert.equal(await p.evaluate(() => page.socket.io.readyState), "open");
    } finally {
      await p.close();
    }
  });

  test("pageshow: a page back from the back/forward cache reconnects at once", async () => {
    const p = await waiting();
    try {
      // Dispatched as the browser does on a restore from the back/forward cache.
      const attempts = await p.evaluate(() => {
        dispatchEvent(new PageTransitionEvent("pageshow", { persisted: true }));
        return page.attempts;
      });
      assert.deepEqual(attempts, [1]);
      await reconnected(p);
    } finally {
      await p.close();
    }
  });

  test("visibilitychange: a hidden page waits, one that becomes visible reconnects", async () => {
    const p = await waiting();
    try {
      // document.hidden follows page.hidden (a string: tsx would wrap a named function).
      await p.evaluate(
        'Object.defineProperty(document, "hidden", { configurable: true, get: () => page.hidden })',
      );
      const change = (hidden: boolean) =>
        p.evaluate((h) => {
          // What the browser does when a tab is hidden or shown again.
          page.hidden = h;
          document.dispatchEvent(new Event("visibilitychange", { bubbles: true }));
          return { attempts: page.attempts, state: page.socket.io.readyState };
        }, hidden);
      assert.deepEqual(await change(true), { attempts: [], state: "waiting" });
      assert.deepEqual(await change(false), { attempts: [1], state: "reconnecting" });
      await reconnected(p);
      // Connected: coming back again does nothing.
      assert.deepEqual((await change(false)).attempts, [1]);
    } finally {
      await p.close();
    }
  });
});
