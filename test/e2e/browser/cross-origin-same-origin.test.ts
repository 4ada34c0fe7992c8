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
  launchChromium,
  openPage,
  type SwitchboardSite,
  startSwitchboard,
  TRANSPORTS,
} from "./cross-origin-harness.ts";

declare const io: (url?: string, options?: Record<string, unknown>) => BrowserSocket;
interface BrowserSocket {
  io: { engine?: { transport?: { name: string }; on(e: string, f: () => void): void } };
  on(event: string, listener: (...args: never[]) => void): void;
  emitWithAck(event: string, ...args: unknown[]): Promise<unknown>;
  disconnect(): void;
}

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

  const cases: [string, readonly string[] | undefined, string][] = [
    ...TRANSPORTS.map((t): [string, readonly string[], string] => [t, [t], t]),
    ["default ladder (upgrade on)", undefined, "websocket"],
  ];
  for (const [label, transports, expected] of cases) {
    test(`${label}: connects and exchanges an acked event on ${expected}`, async () => {
      const page = await openPage(chrome.browser, site.url);
      try {
        const result = await page.evaluate(async (transports) => {
          const options: Record<string, unknown> = { forceNew: true, reconnection: false };
          if (transports) Object.assign(options, { transports, upgrade: false });
          const socket = io(undefined, options); // the page's own origin
          await new Promise<void>((resolve, reject) => {
            socket.on("connect", () => resolve());
            socket.on("connect_error", (e: Error) =>
              reject(new Error(`connect_error: ${e.message}`)),
            );
          });
          if (!transports && socket.io.engine?.transport?.name !== "websocket") {
            await new Promise<void>((resolve) => socket.io.engine?.on("upgrade", () => resolve()));
          }
          const echoed = (await socket.emitWithAck("echo", "hi")) as {
            args: unknown[];
            transport: string;
          };
          const out = { client: socket.io.engine?.transport?.name, ...echoed };
          socket.disconnect();
          return out;
        }, transports);
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
