/**
 * Issue 6: a same-origin page needs no CORS configuration. The page and the bundle are served
 * by the Switchboard server's own HTTP server (same host and port), the server has no `cors`
 * option, and every transport, forced alone, connects and exchanges an acked event, as does
 * the default ladder (which ends on websocket).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  type Chromium,
  CONNECTION_CASES,
  connectPage,
  launchChromium,
  openPage,
  type PageSocket,
  type SwitchboardSite,
  startSwitchboard,
} from "./cross-origin-harness.ts";

describe("same-origin page, no cors configured", { timeout: 60_000 }, () => {
  let site: SwitchboardSite;
  let chrome: Chromium;
  before(async () => {
    site = await startSwitchboard({}, true);
    chrome = await launchChromium();
  });
  after(async () => {
    await chrome?.close();
    await site?.close();
  });

  for (const [label, transports, expected] of CONNECTION_CASES) {
    test(`${label}: connects and exchanges an acked event on ${expected}`, async () => {
      const page = await openPage(chrome.browser, site.url);
      try {
        await connectPage(page, undefined, transports); // the page's own origin
        const result = await page.evaluate(async () => {
          const socket = (globalThis as unknown as { sock: PageSocket }).sock;
          const echoed = (await socket.emitWithAck("echo", "hi")) as {
            args: unknown[];
            transport: string;
          };
          const out = { client: socket.io.engine?.transport?.name, ...echoed };
          socket.disconnect();
          return out;
        });
        assert.deepEqual(result, {
          client: expected,
          args: ["hi"],
          transport: expected,
          cookie: null,
        });
      } finally {
        await page.context().close();
      }
    });
  }
});
