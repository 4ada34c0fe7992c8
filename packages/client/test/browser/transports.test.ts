/**
 * The browser-only transports (jsonp, htmlfile) and EventSource-based sse, from the bundle in
 * Chromium, against the fake server's wire format; and the ladder falling back among them.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { FakeEngine, received } from "../fake-engine.ts";
import { launchChromium, openPage, type PageServer, startPageServer } from "./harness.ts";

declare const io: (
  options?: Record<string, unknown>,
) => import("@switchboard/client").Socket & { io: import("@switchboard/client").Manager };

describe("browser transports against the fake server", { timeout: 60_000 }, () => {
  let browser: Browser;
  let server: PageServer;
  let fake: FakeEngine;
  before(async () => {
    fake = new FakeEngine();
    [browser, server] = await Promise.all([
      launchChromium(),
      startPageServer({}, 0, (req, res) => fake.handle(req, res)),
    ]);
  });
  after(async () => {
    fake.close();
    await browser?.close();
    await server?.close();
  });

  for (const transport of ["sse", "jsonp", "htmlfile"]) {
    test(`${transport}: handshake, events, binary and acks both ways`, async () => {
      fake.received.length = 0;
      const page = await openPage(browser, server);
      const result = await page.evaluate(async (name) => {
        const socket = io({ forceNew: true, path: "/fake/", transports: [name] });
        const hello = new Promise((resolve) => socket.on("hello", resolve));
        const bin = new Promise<ArrayBuffer>((resolve) => socket.on("bin", resolve));
        await new Promise<void>((resolve) => socket.on("connect", () => resolve()));
        const out = {
          transport: socket.io.engine?.transport?.name,
          id: socket.id,
          hello: await hello,
          bin: [...new Uint8Array(await bin)],
          echo: await socket.emitWithAck("echo", { n: 5 }),
        };
        socket.emit("up", new Uint8Array([7, 8]));
        socket.disconnect();
        return out;
      }, transport);
      const { id, ...rest } = result;
      assert.match(String(id), /^S-fake\d+$/);
      assert.deepEqual(rest, { transport, hello: "world", bin: [1, 2, 3], echo: { n: 5 } });
      // Everything the page sent, as the server received it (polling payloads in POSTs).
      await received(fake, "1");
      assert.deepEqual(fake.received, [
        "40",
        '420["echo",{"n":5}]',
        '451-["up",{"_placeholder":true,"num":0}]',
        "bBwg=",
        "41",
        "1",
      ]);
      await page.close();
    });
  }

  test("polling: polls and POSTs go through XMLHttpRequest", async () => {
    // A fetch answer reaches the page in two steps (headers, then the body's stream), an XHR's
    // in one: socket.io-client's way, worth about 5% of a polling client's acks/s in Chromium.
    const page = await openPage(browser, server);
    const used = await page.evaluate(async () => {
      // (No named functions here: the page lacks the helper tsx would wrap them in.)
      const out: Record<string, { echo: unknown; kinds: string[] }> = {};
      for (const transport of ["polling"]) {
        performance.clearResourceTimings();
        const socket = io({ forceNew: true, path: "/fake/", transports: [transport] });
        await new Promise<void>((resolve) => socket.on("connect", () => resolve()));
        const echo = await socket.emitWithAck("echo", transport);
        socket.disconnect();
        const entries = performance.getEntriesByType("resource") as PerformanceResourceTiming[];
        const seen = entries
          .filter((e) => e.name.includes("/fake/") && e.name.includes(`transport=${transport}`))
          .map((e) => e.initiatorType);
        out[transport] = { echo, kinds: [...new Set(seen)].sort() };
      }
      return out;
    });
    assert.deepEqual(used.polling, { echo: "polling", kinds: ["xmlhttprequest"] });
    await page.close();
  });

  test("sse (EventSource): a packet with carriage returns (an event named j) arrives exactly", async () => {
    const page = await openPage(browser, server);
    const message = await page.evaluate(async () => {
      const socket = io({
        forceNew: true,
        path: "/fake/",
        transports: ["sse"],
        reconnection: false,
      });
      await new Promise<void>((resolve) => socket.on("connect", () => resolve()));
      const engine = socket.io.engine!;
      // Skips the Socket.IO packets the fake sends after CONNECT.
      const got = new Promise((resolve) =>
        engine.on("message", (m) => typeof m === "string" && m[0] === "a" && resolve(m)),
      );
      engine.send("cr"); // a bare engine message; the fake answers "a\rb\r\nc\nd"
      const data = await got; // (not a Socket.IO packet: the manager then closes, parse error)
      socket.disconnect();
      return data;
    });
    assert.equal(message, "a\rb\r\nc\nd");
    await page.close();
  });

  test("the ladder falls back from a refused sse to jsonp", async () => {
    fake.refuse.add("sse");
    const page = await openPage(browser, server);
    const name = await page.evaluate(async () => {
      const socket = io({ forceNew: true, path: "/fake/", transports: ["sse", "jsonp"] });
      await new Promise<void>((resolve) => socket.on("connect", () => resolve()));
      const transport = socket.io.engine?.transport?.name;
      socket.disconnect();
      return transport;
    });
    assert.equal(name, "jsonp");
    fake.refuse.clear();
    await page.close();
  });
});
