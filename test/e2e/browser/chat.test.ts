/**
 * The chat demo (examples/chat) in Chromium: two browser contexts join one room under two
 * nicknames and chat, over WebSocket (the default ladder) and over forced fallbacks; each
 * sees the other's messages, the presence list and the typing indicator, user text stays
 * text, and a dropped connection is shown and recovered. Two people may share a nickname (the
 * page tells "you" and who is typing by connection), the header shows each reconnection
 * attempt, and a phone-sized screen keeps the header in view. The server checks input itself.
 *
 * `UPDATE_SCREENSHOT=1 node scripts/test.mjs e2e/browser/chat` also rewrites docs/chat.png.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { io as connect } from "@switchboard/client";
import { type Browser, chromium, type Page } from "playwright-core";
import { type RunningChat, startChat } from "../../../examples/chat/server.ts";
import { buildBundle } from "../../../packages/client/test/browser/harness.ts";
import { CHROMIUM_LAUNCH } from "./cross-origin-harness.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));

/** Opens the page in a fresh browser context (own storage) and joins `room` as `nick`. */
async function joinAs(browser: Browser, url: string, nick: string, room: string): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 1040, height: 640 },
    deviceScaleFactor: 1,
  });
  const page = await context.newPage();
  await page.goto(url);
  await page.locator("#conn.online").waitFor();
  await page.fill("#nick", nick);
  await page.fill("#room", room);
  await page.click("#join-button");
  await page.locator("#chat").waitFor();
  return page;
}

async function say(page: Page, text: string): Promise<void> {
  await page.fill("#text", text);
  await page.press("#text", "Enter");
}

/** Waits until a message with exactly this text is on the page. */
async function seen(page: Page, text: string): Promise<void> {
  await page.locator("#messages .msg .text", { hasText: text }).last().waitFor();
}

const people = (page: Page) => page.locator("#people li .name").allTextContents();

describe("chat demo in Chromium", { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "sb-chat-"));
  let chat: RunningChat;
  let browser: Browser;

  before(async () => {
    const bundlePath = join(dir, "switchboard.min.js");
    buildBundle(bundlePath);
    chat = await startChat({ port: 0, host: "127.0.0.1", bundlePath });
    browser = await chromium.launch(CHROMIUM_LAUNCH);
  });

  after(async () => {
    await browser?.close();
    await chat?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [query, transport] of [
    ["", "websocket"],
    ["?transport=sse", "sse"],
    ["?transport=polling", "polling"],
  ] as const) {
    test(`two people chat over ${transport}${query ? " (forced)" : " (default ladder)"}`, async () => {
      const room = transport === "websocket" ? "lobby" : `room-${transport}`;
      const ada = await joinAs(browser, `${chat.url}/${query}`, "Ada", room);
      const linus = await joinAs(browser, `${chat.url}/${query}`, "Linus", room);
      try {
        for (const page of [ada, linus]) {
          assert.equal(await page.textContent("#transport"), transport);
          await page.locator("#people li", { hasText: "Linus" }).waitFor();
          assert.deepEqual(await people(page), ["Ada", "Linus"]);
          assert.equal(await page.textContent("#room-name"), room);
        }

        // The typing indicator appears for the other person, and goes when the message lands.
        await linus.locator("#text").pressSequentially("Hi Ada, it");
        await ada.locator("#typing", { hasText: "Linus is typing…" }).waitFor();
        await linus.locator("#text").pressSequentially(` works over ${transport}!`);
        await linus.press("#text", "Enter");
        await seen(ada, `Hi Ada, it works over ${transport}!`);
        await ada.locator("#typing:empty").waitFor();
        await seen(linus, `Hi Ada, it works over ${transport}!`);

        if (transport === "websocket") await screenshot(ada, linus);

        // User text is text: markup sent as a message is shown, not run.
        const markup = `<img src=x onerror="window.pwned=1"> <b>bold?</b>`;
        await say(ada, markup);
        await seen(linus, markup);
        assert.equal(await linus.locator("#messages img, #messages b:not(.meta b)").count(), 0);
        assert.equal(await linus.evaluate(() => "pwned" in window), false);

        // A dropped connection is shown, then the page reconnects and rejoins by itself.
        if (transport !== "websocket") {
          for (const socket of chat.io.of("/").sockets.values()) {
            if (socket.data.room === room && socket.data.nick === "Linus") socket.conn.close();
          }
          await linus.locator(".notice", { hasText: "disconnected (transport close)" }).waitFor();
          await linus.locator(".notice", { hasText: "reconnected" }).waitFor();
          await linus.locator("#conn.online").waitFor();
          assert.equal(await linus.textContent("#transport"), transport);
          await ada.locator(".notice", { hasText: "Linus left" }).waitFor();
          await ada.locator(".notice", { hasText: "Linus joined" }).nth(1).waitFor();
          await linus.locator("#people li", { hasText: "Ada" }).waitFor();
          assert.deepEqual(await people(linus), ["Ada", "Linus"]);
          await say(linus, "back again");
          await seen(ada, "back again");
        }

        // Leaving updates everyone else's presence list.
        await ada.click("#leave");
        await ada.locator("#join").waitFor();
        await linus.locator(".notice", { hasText: "Ada left" }).waitFor();
        await linus.locator("#people li", { hasText: "Ada" }).waitFor({ state: "detached" });
        assert.deepEqual(await people(linus), ["Linus"]);
      } finally {
        await ada.context().close();
        await linus.context().close();
      }
    });
  }

  test("two people with one nickname: each knows their own messages, each types alone", async () => {
    const room = "twins";
    const first = await joinAs(browser, chat.url, "Sam", room);
    const second = await joinAs(browser, chat.url, "Sam", room);
    const ada = await joinAs(browser, chat.url, "Ada", room);
    try {
      await first.locator("#people li", { hasText: "Ada" }).waitFor();
      await say(first, "from the first Sam");
      await seen(second, "from the first Sam");
      await seen(first, "from the first Sam");
      const mine = (page: Page, text: string) =>
        page
          .locator("#messages .msg", { hasText: text })
          .evaluate((li) => li.classList.contains("mine"));
      assert.equal(await mine(first, "from the first Sam"), true, "the sender's own");
      assert.equal(await mine(second, "from the first Sam"), false, "not the other Sam's");
      await say(second, "from the second Sam");
      await seen(first, "from the second Sam");
      assert.equal(await mine(first, "from the second Sam"), false);
      assert.equal(await mine(second, "from the second Sam"), true);

      // Both type: two indicators. The first one sends: the second one is still typing.
      await first.locator("#text").pressSequentially("typing one");
      await second.locator("#text").pressSequentially("typing two");
      await ada.locator("#typing", { hasText: "Sam and Sam are typing…" }).waitFor();
      await first.press("#text", "Enter");
      await seen(ada, "typing one");
      assert.equal(await ada.textContent("#typing"), "Sam is typing…");
    } finally {
      for (const page of [first, second, ada]) await page.context().close();
    }
  });

  test("while the client retries, the header says reconnecting (N)…, not offline", async () => {
    const page = await joinAs(browser, chat.url, "Retry", "retries");
    // From now on the engine refuses every request and upgrade (HTTP 400), as a server that
    // is down behind a proxy would: each reconnection attempt fails with connect_error.
    let down = true;
    chat.io.engine.use((_req, _res, next) =>
      next(down ? new Error("down for the test") : undefined),
    );
    try {
      await page.evaluate(() => {
        const texts: string[] = [];
        (window as unknown as { connTexts: string[] }).connTexts = texts;
        const node = document.getElementById("conn-text")!;
        new MutationObserver(() => texts.push(node.textContent ?? "")).observe(node, {
          childList: true,
          characterData: true,
          subtree: true,
        });
      });
      for (const socket of chat.io.of("/").sockets.values()) {
        if (socket.data.nick === "Retry") socket.conn.close();
      }
      // Attempt 3 starts only after attempt 2 failed and its connect_error was handled.
      await page.waitForFunction(() =>
        (window as unknown as { connTexts: string[] }).connTexts.includes("reconnecting (3)…"),
      );
      const texts = await page.evaluate(
        () => (window as unknown as { connTexts: string[] }).connTexts,
      );
      const fromFirst = texts.slice(texts.indexOf("reconnecting (1)…"));
      assert.ok(fromFirst.length > 0, JSON.stringify(texts));
      for (const text of fromFirst)
        assert.match(text, /^reconnecting \(\d\)…$/, JSON.stringify(texts));
      assert.match((await page.textContent("#banner-text")) ?? "", /Retrying…$/);
      down = false;
      await page.locator("#conn.online").waitFor();
      await page.locator(".notice", { hasText: "reconnected" }).waitFor();
    } finally {
      down = false;
      await page.context().close();
    }
  });

  test("on a phone-sized screen the header and the composer stay in view", async () => {
    const context = await browser.newContext({
      viewport: { width: 390, height: 664 },
      deviceScaleFactor: 1,
      isMobile: true,
      hasTouch: true,
    });
    const page = await context.newPage();
    try {
      await page.goto(chat.url);
      await page.locator("#conn.online").waitFor();
      await page.fill("#nick", "Phone");
      await page.fill("#room", "small-screen");
      await page.click("#join-button");
      await page.locator("#chat").waitFor();
      // Far more than a screenful (within the demo's burst of 8 messages).
      const long = "A long line of chat that wraps over several lines on a phone. ".repeat(7);
      for (let i = 1; i <= 6; i++) {
        await say(page, `${i}: ${long}`);
        await seen(page, `${i}: `);
      }
      // Scroll everything that scrolls as far down as it goes.
      await page.evaluate(() => {
        window.scrollTo(0, document.documentElement.scrollHeight);
        for (const el of document.querySelectorAll("main, #messages"))
          el.scrollTop = el.scrollHeight;
      });
      const inView = async (selector: string) => {
        const box = await page.locator(selector).boundingBox();
        assert.ok(box, selector);
        assert.ok(box.y >= 0 && box.y + box.height <= 664, `${selector} at ${box.y}+${box.height}`);
      };
      await inView("header.bar");
      await inView("#conn-text");
      await inView("#composer");
      // The latest message is where the list scrolled to.
      await inView("#messages .msg:last-child");
    } finally {
      await context.close();
    }
  });

  test("the server refuses bad input whatever the page allows", async () => {
    const socket = connect(chat.url, { transports: ["websocket"], forceNew: true });
    try {
      const ask = (event: "join" | "message", arg: unknown) =>
        socket.timeout(5000).emitWithAck(event, arg) as Promise<{ ok: boolean; error?: string }>;
      assert.deepEqual(await ask("message", "too early"), {
        ok: false,
        error: "join a room first",
      });
      const refused = [
        { nick: "", room: "lobby" },
        { nick: "x".repeat(25), room: "lobby" },
        { nick: "a\u202ez", room: "lobby" },
        { nick: 42, room: "lobby" },
        { nick: "Eve", room: "y".repeat(33) },
        { nick: "Eve", room: "a b" },
        { nick: "Eve", room: "../etc" },
        null,
      ];
      for (const request of refused) {
        const reply = await ask("join", request);
        assert.equal(reply.ok, false, JSON.stringify(request));
      }
      const joined = await ask("join", { nick: "  Eve  ", room: "Lobby-2" });
      assert.equal(joined.ok, true);
      assert.deepEqual(
        [(joined as { nick?: string }).nick, (joined as { room?: string }).room],
        ["Eve", "lobby-2"],
      );
      assert.equal((await ask("message", "z".repeat(501))).ok, false);
      assert.equal((await ask("message", "   ")).ok, false);
      assert.equal((await ask("message", { text: "hi" })).ok, false);
      assert.deepEqual(await ask("message", "z".repeat(500)), { ok: true });
      // Past the burst of 8 messages, the server's rate limit drops them and says so.
      const limited = new Promise<{ event?: string }>((resolve) =>
        socket.once("rate limit", resolve),
      );
      for (let i = 0; i < 8; i++) socket.emit("message", `burst ${i}`);
      assert.equal((await limited).event, "message");
    } finally {
      socket.disconnect();
    }
  });
});

/** Adds a little conversation and saves Ada's view as docs/chat.png (UPDATE_SCREENSHOT=1). */
async function screenshot(ada: Page, linus: Page): Promise<void> {
  await say(
    ada,
    "Hi Linus! Pick sse, polling, jsonp or htmlfile up there: same chat, other pipes.",
  );
  await seen(linus, "other pipes.");
  await say(linus, "Nice, so it still works behind the proxy that eats our WebSockets?");
  await seen(ada, "eats our WebSockets?");
  await linus.locator("#text").pressSequentially("Let me");
  await ada.locator("#typing", { hasText: "Linus is typing…" }).waitFor();
  await ada.locator("#text").fill("Exactly, it falls back by itself");
  const png = await ada.screenshot();
  assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
  if (process.env.UPDATE_SCREENSHOT) writeFileSync(join(root, "docs/chat.png"), png);
  await linus.fill("#text", "");
}
