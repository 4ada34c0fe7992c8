/**
 * `npm run start:cluster` end to end: examples/chat/cluster.ts started as a process (it starts
 * a redis-server, three chat nodes and nginx, on loopback and free ports), three people in
 * Chromium, each page on a different node (least_conn gives each new WebSocket the node with
 * the fewest). They see each other's messages, the same presence list and the same history,
 * which lives in Redis. Then SIGINT (Ctrl-C) to the launcher stops every child it started.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { buildBundle } from "../../../packages/client/test/browser/harness.ts";
import { CHROMIUM_LAUNCH } from "../browser/cross-origin-harness.ts";

const launcher = fileURLToPath(new URL("../../../examples/chat/cluster.ts", import.meta.url));

/** What the launcher printed: its children's pids by name, and the chat's URL. */
interface Started {
  pids: Map<string, number>;
  url: string;
}

/** Reads the launcher's lines until it says where the chat is (or exits). */
async function started(child: ChildProcess): Promise<Started> {
  const pids = new Map<string, number>();
  const lines = createInterface({ input: child.stdout! });
  const exited = once(child, "exit").then(([code]) => {
    throw new Error(`the launcher exited (${code}) before the cluster was up`);
  });
  const up = (async () => {
    for await (const line of lines) {
      const pid = /^(redis-server|node n\d|nginx) pid (\d+)/.exec(line);
      if (pid) pids.set(pid[1]!, Number(pid[2]));
      const url = /^Switchboard chat cluster on (http:\/\/\S+)/.exec(line);
      if (url) return { pids, url: url[1]! };
    }
    throw new Error("the launcher closed its output before the cluster was up");
  })();
  return Promise.race([up, exited]);
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Opens the page in a fresh context, joins `room` as `nick`; gives the page and its node. */
async function joinAs(browser: Browser, url: string, nick: string, room: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url);
  await page.locator("#conn.online").waitFor();
  await page.locator("#node-wrap:not([hidden])").waitFor();
  await page.fill("#nick", nick);
  await page.fill("#room", room);
  await page.click("#join-button");
  await page.locator("#chat").waitFor();
  return { page, node: (await page.textContent("#node")) ?? "" };
}

async function say(page: Page, text: string): Promise<void> {
  await page.fill("#text", text);
  await page.press("#text", "Enter");
}

const seen = (page: Page, text: string) =>
  page.locator("#messages .msg .text", { hasText: text }).last().waitFor();
const messages = (page: Page) => page.locator("#messages .msg .text").allTextContents();
const people = (page: Page) => page.locator("#people li .name").allTextContents();

describe("npm run start:cluster", { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "sb-chat-cluster-"));
  let child: ChildProcess;
  let cluster: Started | undefined;
  let browser: Browser;

  before(async () => {
    const bundle = join(dir, "switchboard.min.js");
    buildBundle(bundle);
    child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", launcher], {
      env: { ...process.env, HOST: "127.0.0.1", PORT: "0", CHAT_BUNDLE: bundle },
      stdio: ["ignore", "pipe", "inherit"],
    });
    cluster = await started(child);
    browser = await chromium.launch(CHROMIUM_LAUNCH);
  });

  after(async () => {
    await browser?.close();
    // Whatever happened above, nothing the launcher started outlives the test.
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    for (const pid of cluster?.pids.values() ?? []) if (alive(pid)) process.kill(pid, "SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  test("three people on three nodes: the same messages, presence and history everywhere", async () => {
    const url = cluster!.url;
    const ada = await joinAs(browser, url, "Ada", "lobby");
    await say(ada.page, "first, before anyone came");
    await seen(ada.page, "first, before anyone came");

    const linus = await joinAs(browser, url, "Linus", "lobby");
    assert.notEqual(linus.node, ada.node, "Linus is on another node than Ada");
    // The history Linus gets on his node was written on Ada's.
    await seen(linus.page, "first, before anyone came");
    await ada.page.locator("#people li", { hasText: "Linus" }).waitFor();

    await say(linus.page, `hello from ${linus.node}`);
    await seen(ada.page, `hello from ${linus.node}`);
    await say(ada.page, `hello from ${ada.node}`);
    await seen(linus.page, `hello from ${ada.node}`);

    const grace = await joinAs(browser, url, "Grace", "lobby");
    assert.deepEqual(
      new Set([ada.node, linus.node, grace.node]),
      new Set(["n1", "n2", "n3"]),
      "each page reports a node of its own",
    );
    await seen(grace.page, `hello from ${ada.node}`);
    for (const { page } of [ada, linus]) {
      await page.locator("#people li", { hasText: "Grace" }).waitFor();
    }
    const expected = [
      "first, before anyone came",
      `hello from ${linus.node}`,
      `hello from ${ada.node}`,
    ];
    for (const { page, node } of [ada, linus, grace]) {
      assert.deepEqual(await messages(page), expected, `the history on ${node}`);
      assert.deepEqual(await people(page), ["Ada", "Grace", "Linus"], `the presence on ${node}`);
    }
    for (const { page } of [ada, linus, grace]) await page.context().close();
  });

  test("Ctrl-C (SIGINT) stops nginx, redis-server and every node", async () => {
    const pids = cluster!.pids;
    assert.deepEqual([...pids.keys()].sort(), [
      "nginx",
      "node n1",
      "node n2",
      "node n3",
      "redis-server",
    ]);
    for (const [name, pid] of pids) assert.ok(alive(pid), `${name} runs`);
    const exited = once(child, "exit");
    child.kill("SIGINT");
    assert.deepEqual(await exited, [0, null], "the launcher exits with 0");
    for (const [name, pid] of pids) assert.equal(alive(pid), false, `${name} (pid ${pid}) is gone`);
  });
});
