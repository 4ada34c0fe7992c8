/**
 * Issue 6, cross-origin in real Chromium: a page of `http://127.0.0.1:A` whose origin the
 * server's `cors` allows talks to the server on `http://localhost:B` over every transport
 * forced alone (no upgrade) and over the default ladder: events both ways, binary both ways
 * (ArrayBuffer and Uint8Array) and acks both ways, on the transport the client says it uses
 * and the server agrees it uses.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Page } from "playwright-core";
import {
  type Chromium,
  CONNECTION_CASES,
  connectPage,
  launchChromium,
  openPage,
  type PageOrigin,
  type PageSocket,
  type SwitchboardSite,
  startPageOrigin,
  startSwitchboard,
} from "./cross-origin-harness.ts";

/** Server-to-client ack on the page's socket: answers with the bytes reversed, as a Uint8Array. */
function answerQ(page: Page) {
  return page.evaluate(() => {
    const socket = (globalThis as unknown as { sock: PageSocket }).sock;
    socket.on("q", (bytes: ArrayBuffer, ack: (r: Uint8Array) => void) =>
      ack(new Uint8Array(bytes).reverse()),
    );
  });
}

/** Client-to-server traffic: an acked echo of binary and text, and an event answered by one. */
function exchange(page: Page) {
  return page.evaluate(async () => {
    const socket = (globalThis as unknown as { sock: PageSocket }).sock;
    const pong = new Promise<[unknown, ArrayBuffer]>((resolve) =>
      socket.on("pong", (data: unknown, bytes: ArrayBuffer) => resolve([data, bytes])),
    );
    const { args: echoed, transport } = (await socket.emitWithAck(
      "echo",
      "é\u2028</script>",
      new Uint8Array([1, 2, 3]).buffer,
      new Uint8Array([250, 0, 5]),
    )) as { args: [string, ArrayBuffer, ArrayBuffer]; transport: string };
    socket.emit("ping", { n: 1 });
    const [data, bytes] = await pong;
    return {
      text: echoed[0],
      ab: [echoed[1] instanceof ArrayBuffer, ...new Uint8Array(echoed[1])],
      u8: [echoed[2] instanceof ArrayBuffer, ...new Uint8Array(echoed[2])],
      serverTransport: transport,
      pong: data,
      pongBytes: [bytes instanceof ArrayBuffer, ...new Uint8Array(bytes)],
    };
  });
}

describe("cross-origin, page origin allowed", { timeout: 60_000 }, () => {
  let pageOrigin: PageOrigin;
  let site: SwitchboardSite;
  let chrome: Chromium;
  before(async () => {
    pageOrigin = await startPageOrigin();
    site = await startSwitchboard({ cors: { origin: pageOrigin.origin } });
    chrome = await launchChromium();
  });
  after(async () => {
    await chrome?.close();
    await site?.close();
    await pageOrigin?.close();
  });

  for (const [label, transports, expected] of CONNECTION_CASES) {
    test(`${label}: events, binary and acks both ways on ${expected}`, async () => {
      const page = await openPage(chrome.browser, pageOrigin.origin);
      try {
        const { id, transport } = await connectPage(page, site.url, transports);
        await answerQ(page);
        assert.equal(transport, expected, "transport the client uses");
        const serverSocket = site.io.of("/").sockets.get(id);
        assert.ok(serverSocket, "the server has the socket");
        assert.equal(serverSocket.conn.transport.name, expected, "transport the server sees");
        // The handshake of jsonp and htmlfile is a <script>'s or an <iframe>'s GET, which
        // carries no Origin (their session was proven by a POST that did).
        const fromElement = expected === "jsonp" || expected === "htmlfile";
        assert.equal(
          serverSocket.handshake.headers.origin,
          fromElement ? undefined : pageOrigin.origin,
        );

        const answer = await serverSocket.timeout(5000).emitWithAck("q", Buffer.from([1, 2, 3]));
        assert.deepEqual(answer, Buffer.from([3, 2, 1]), "server-to-client ack with binary");

        assert.deepEqual(await exchange(page), {
          text: "é\u2028</script>",
          ab: [true, 1, 2, 3],
          u8: [true, 250, 0, 5],
          serverTransport: expected,
          pong: { n: 1 },
          pongBytes: [true, 9, 8, 7],
        });
      } finally {
        await page.context().close();
      }
    });
  }
});
