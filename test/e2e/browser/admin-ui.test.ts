/**
 * The Socket.IO Admin UI's own web app (`@socket.io/admin-ui/ui/dist`, served here from
 * loopback) in Chromium, against a Switchboard server that `instrument()` watches with basic
 * auth: log in, see the sockets of the running server with their transports, disconnect one
 * from the UI and see it go (and its client told so).
 *
 * `UPDATE_SCREENSHOT=1 node scripts/test.mjs e2e/browser/admin-ui` also rewrites
 * docs/admin-ui.png.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { readFile } from "node:fs/promises";
import { createServer, type Server as HttpServer } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { dirname, extname, join, normalize } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { instrument } from "@socket.io/admin-ui";
import { Server } from "@switchboard/server";
import { type Browser, chromium } from "playwright-core";
import { type Socket as ClientSocket, io as connect } from "socket.io-client";
import { CHROMIUM_LAUNCH } from "./cross-origin-harness.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const uiDir = join(
  dirname(createRequire(import.meta.url).resolve("@socket.io/admin-ui/package.json")),
  "ui/dist",
);
const TYPES: Record<string, string> = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".css": "text/css",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".map": "application/json",
};
// bcrypt hash (cost 4) of "s3cret"
const PASSWORD_HASH = "$2a$04$2OiImR7lvDoC07.yYJrHXeMHKyPm/SdTOlMfUMxLmItOLopb9z.TK";

async function listen(server: HttpServer): Promise<string> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Serves the Admin UI's static files (nothing outside ui/dist). */
function uiServer(): HttpServer {
  return createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
    const file = join(uiDir, path === "/" ? "index.html" : path);
    if (!file.startsWith(uiDir)) return void res.writeHead(403).end();
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
}

function onceEvent(socket: ClientSocket, event: string): Promise<unknown[]> {
  return new Promise((resolve) => socket.once(event, (...args: unknown[]) => resolve(args)));
}

describe("Socket.IO Admin UI web app in Chromium", { timeout: 120_000 }, () => {
  const ui = uiServer();
  const http = createServer();
  let io: Server;
  let browser: Browser;
  let uiUrl: string;
  let serverUrl: string;
  const clients: ClientSocket[] = [];

  before(async () => {
    uiUrl = await listen(ui);
    // The dashboard is another origin: the server lets it in, with credentials (it sets
    // withCredentials for cookie-based sticky sessions), as the Admin UI README says.
    io = new Server(http, { cors: { origin: [uiUrl], credentials: true } });
    instrument(io as unknown as Parameters<typeof instrument>[0], {
      auth: { type: "basic", username: "admin", password: PASSWORD_HASH },
      mode: "development",
    });
    serverUrl = await listen(http);
    browser = await chromium.launch(CHROMIUM_LAUNCH);
  });

  after(async () => {
    for (const c of clients) c.disconnect();
    await browser?.close();
    await io?.close();
    ui.close();
  });

  test("log in, see the sockets with their transports, disconnect one", async () => {
    const polling = connect(serverUrl, { forceNew: true, transports: ["polling"] });
    const websocket = connect(serverUrl, { forceNew: true, transports: ["websocket"] });
    clients.push(polling, websocket);
    await Promise.all([onceEvent(polling, "connect"), onceEvent(websocket, "connect")]);
    const pollingId = polling.id!;
    const websocketId = websocket.id!;

    const context = await browser.newContext({
      viewport: { width: 1100, height: 620 },
      deviceScaleFactor: 1,
    });
    const page = await context.newPage();
    // The page links web fonts and icons from CDNs: this test stays on loopback.
    await page.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort());
    await page.goto(`${uiUrl}/#/sockets/`);

    // The login dialog: a wrong password is refused, the right one connects.
    await page.getByLabel("Server URL").fill(serverUrl);
    await page.getByLabel("Username").fill("admin");
    await page.getByLabel("Password").fill("wrong");
    await page.getByRole("button", { name: "Connect" }).click();
    await page.getByText("Invalid credentials").waitFor();
    await page.getByLabel("Password").fill("s3cret");
    await page.getByRole("button", { name: "Connect" }).click();

    // The socket list of the main namespace, with each transport.
    const row = (id: string) => page.locator("tbody tr", { hasText: id });
    await row(pollingId).waitFor();
    await row(websocketId).waitFor();
    assert.match(await row(pollingId).innerText(), /polling/i);
    assert.match(await row(websocketId).innerText(), /websocket/i);
    assert.match(await row(websocketId).innerText(), /127\.0\.0\.1/);

    const png = await page.screenshot();
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
    if (process.env.UPDATE_SCREENSHOT) {
      const { writeFileSync } = await import("node:fs");
      writeFileSync(join(root, "docs/admin-ui.png"), png);
    }

    // Disconnect the polling socket from the UI: its client is told, the UI shows it
    // disconnected (the click also opens the socket's page), and it is gone from the list.
    const gone = onceEvent(polling, "disconnect");
    await row(pollingId).locator("button").click();
    assert.deepEqual((await gone)[0], "io server disconnect");
    await page.getByRole("row", { name: `ID ${pollingId}` }).waitFor();
    await page.getByRole("row", { name: "Status disconnected" }).first().waitFor();
    await page.evaluate(() => {
      location.hash = "#/sockets/";
    });
    await row(websocketId).waitFor();
    assert.equal(await row(websocketId).count(), 1);
    assert.equal(io.of("/").sockets.size, 1);
    await context.close();
  });
});
