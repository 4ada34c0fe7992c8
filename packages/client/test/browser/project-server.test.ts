/**
 * The browser bundle in Chromium against this project's own server, over all five transports
 * (jsonp and htmlfile sessions are proven by the page's same-origin POSTs) and their upgrade to
 * websocket.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { Server } from "@switchboard/server";
import type { Browser, Page } from "playwright-core";
import { launchChromium, loadBundle } from "./harness.ts";

declare const io: (
  options?: Record<string, unknown>,
) => import("@switchboard/client").Socket & { io: import("@switchboard/client").Manager };

describe("browser bundle against this project's server", { timeout: 60_000 }, () => {
  const code = loadBundle();
  const http = createServer((req, res) => {
    if (req.url === "/switchboard.min.js") {
      res.writeHead(200, { "content-type": "application/javascript" }).end(code);
    } else if (req.url?.startsWith("/at-once?")) {
      // A page that connects while it is still loading (an inline script in the body).
      const transport = JSON.stringify(req.url.slice("/at-once?".length));
      res.writeHead(200, { "content-type": "text/html" }).end(`<!doctype html>
<script src="/switchboard.min.js"></script>
<body>loading
<script>
  // The document's readyState each time a transport's script or iframe was added.
  window.added = [];
  new MutationObserver((records) => {
    for (const r of records) for (const n of r.addedNodes) {
      if (String(n.src).includes("transport=")) window.added.push(document.readyState);
    }
  }).observe(document, { childList: true, subtree: true });
  window.connected = new Promise((resolve) => {
    const socket = io({ forceNew: true, transports: [${transport}] });
    socket.on("connect", () => resolve(socket.io.engine.transport.name));
    window.socket = socket;
  });
</script></body>`);
    } else if (req.url === "/") {
      res
        .writeHead(200, { "content-type": "text/html" })
        .end('<!doctype html><script src="/switchboard.min.js"></script>');
    }
  });
  const server = new Server(http, {});
  let browser: Browser;
  let page: Page;
  before(async () => {
    server.on("connection", (s) => {
      s.on("echo", (...args: unknown[]) => (args.pop() as (...a: unknown[]) => void)(...args));
    });
    http.listen(0, "127.0.0.1");
    await once(http, "listening");
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(http.address() as AddressInfo).port}/`);
  });
  after(async () => {
    await browser?.close();
    await server.close();
    http.closeAllConnections();
  });

  test("jsonp from an origin the server refuses: connect_error (the session closed before CONNECT)", async () => {
    // The page comes from another origin (port); the server allows only its own (no cors).
    const target = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const other = createServer((_req, res) => {
      res
        .writeHead(200, { "content-type": "text/html" })
        .end(`<!doctype html><script src="${target}/switchboard.min.js"></script>`);
    });
    other.listen(0, "127.0.0.1");
    await once(other, "listening");
    const p = await browser.newPage();
    await p.goto(`http://127.0.0.1:${(other.address() as AddressInfo).port}/`);
    const result = await p.evaluate(async (target) => {
      const connect = io as unknown as (url: string, o: object) => ReturnType<typeof io>;
      const socket = connect(target, {
        forceNew: true,
        transports: ["jsonp"],
        reconnection: false,
      });
      const events: string[] = [];
      socket.on("connect", () => events.push("connect"));
      const error = await new Promise<{ code?: string; message: string }>((resolve) =>
        socket.on("connect_error", resolve),
      );
      return { events, code: error.code, message: error.message };
    }, target);
    assert.deepEqual(result.events, []);
    assert.equal(result.code, "SB_ERR_CONNECTION_CLOSED");
    assert.match(result.message, /^transport (close|error)$/);
    await p.close();
    other.closeAllConnections();
    other.close();
  });

  for (const transport of ["jsonp", "htmlfile"]) {
    test(`${transport} started while the page loads: the page's load event still fires`, async () => {
      const p = await browser.newPage();
      const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/at-once?${transport}`;
      // goto waits for the load event: a poll or stream started before it kept the page
      // loading for good (the bound only turns that hang into a failure).
      await p.goto(url, { waitUntil: "load", timeout: 15_000 });
      const { used, added } = await p.evaluate(async () => {
        const w = window as unknown as {
          connected: Promise<string>;
          socket: { disconnect(): void };
          added: string[];
        };
        const used = await w.connected;
        w.socket.disconnect();
        return { used, added: w.added };
      });
      assert.equal(used, transport);
      assert.ok(added.length > 0);
      assert.deepEqual(new Set(added), new Set(["complete"]), "nothing added before load");
      await p.close();
    });
  }

  for (const transports of [
    ["websocket"],
    ["polling"],
    ["sse"],
    ["jsonp"],
    ["htmlfile"],
    ["jsonp", "websocket"],
    ["htmlfile", "websocket"],
  ]) {
    test(`${transports.join(" then ")}: connect, binary echo, transport in use`, async () => {
      const result = await page.evaluate(async (transports) => {
        const socket = io({ forceNew: true, transports });
        await new Promise<void>((resolve) => socket.on("connect", () => resolve()));
        if (transports.length === 2 && socket.io.engine?.transport?.name !== "websocket") {
          await new Promise<void>((resolve) => socket.io.engine?.on("upgrade", () => resolve()));
        }
        const echoed = (await socket.emitWithAck("echo", {
          text: "é\u2028</script>",
          bin: new Uint8Array([1, 2, 3]).buffer,
        })) as { text: string; bin: ArrayBuffer };
        const out = {
          transport: socket.io.engine?.transport?.name,
          text: echoed.text,
          bin: [...new Uint8Array(echoed.bin)],
        };
        socket.disconnect();
        return out;
      }, transports);
      assert.deepEqual(result, {
        transport: transports.at(-1),
        text: "é\u2028</script>",
        bin: [1, 2, 3],
      });
    });
  }

  // A browser clamps nested zero-delay timers to 4 ms: a client that waits on a short timer
  // between writes pays that on every round trip once traffic is steady. No transport may.
  for (const transport of ["websocket", "polling", "sse", "jsonp", "htmlfile"]) {
    test(`${transport}: back-to-back acks schedule no short timer between writes`, async () => {
      const result = await page.evaluate(async (transport) => {
        const socket = io({ forceNew: true, transports: [transport], upgrade: false });
        await new Promise<void>((resolve) => socket.on("connect", () => resolve()));
        let shortTimers = 0;
        const original = window.setTimeout;
        window.setTimeout = ((fn: TimerHandler, delay?: number, ...rest: unknown[]) => {
          if ((delay ?? 0) <= 4) shortTimers++;
          return original(fn, delay, ...rest);
        }) as typeof window.setTimeout;
        let last: unknown;
        for (let i = 0; i < 50; i++) last = await socket.emitWithAck("echo", i);
        window.setTimeout = original;
        const used = socket.io.engine?.transport?.name;
        socket.disconnect();
        return { shortTimers, used, last };
      }, transport);
      assert.deepEqual(result, { shortTimers: 0, used: transport, last: 49 });
    });
  }
});
