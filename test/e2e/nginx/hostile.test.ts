/**
 * @switchboard/client with its DEFAULT options through deploy/nginx/switchboard.conf and through
 * hostile variants of it (the committed file with a few directives changed): one that drops
 * the Upgrade headers, so WebSocket fails, and ones that buffer responses, so streams stall.
 * The client must connect and exchange messages on every path. The time to first message of a
 * first (cold) client and of a second client (which starts with the remembered transport) is
 * printed for each path; deploy/nginx/README.md records the figures. No timing is asserted.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, get, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { createGunzip } from "node:zlib";
import { io } from "@switchboard/client";
import {
  type RunningNginx,
  replaceOnce,
  type SwitchboardNode,
  startDeployNginx,
  startNode,
} from "./harness.js";

/** The client's whole ladder may take `timeout` (20 s by default); a path gets a bit more. */
const PATH_DEADLINE_MS = 25_000;

/** nginx that does not pass the upgrade: the hop-by-hop headers are not forwarded. */
function dropUpgrade(conf: string): string {
  let out = replaceOnce(conf, /^\s*proxy_set_header Upgrade \$http_upgrade;\n/m, "");
  out = replaceOnce(out, /^\s*proxy_set_header Connection \$switchboard_connection;\n/m, "");
  return out;
}

/**
 * nginx that holds streams back: buffering on with large buffers, the upstream's
 * X-Accel-Buffering ignored, and gzip on the streaming content types. (With buffering on alone,
 * nginx 1.22 still forwards each chunk at once to a client that reads; it is the compression of
 * a buffered response that waits for the gzip buffers to fill or the response to end, as a
 * compressing or scanning proxy does.)
 */
function bufferResponses(conf: string): string {
  const buffered = replaceOnce(
    conf,
    /^\s*proxy_buffering off;\n/m,
    `        proxy_buffering on;
        proxy_buffer_size 64k;
        proxy_buffers 32 64k;
        proxy_busy_buffers_size 1m;
        proxy_ignore_headers X-Accel-Buffering;
`,
  );
  return replaceOnce(
    buffered,
    /^\s*gzip off;\n/m,
    `        gzip on;
        gzip_proxied any;
        gzip_min_length 1;
        gzip_types text/event-stream text/html text/plain application/javascript;
`,
  );
}

interface PathCase {
  name: string;
  edit(conf: string): string;
  /** What a default Node client must end on (proves the variant is what it claims). */
  expect: "websocket" | "sse" | "polling";
}

const paths: readonly PathCase[] = [
  { name: "normal (switchboard.conf)", edit: (c) => c, expect: "websocket" },
  { name: "no upgrade", edit: dropUpgrade, expect: "sse" },
  { name: "buffering+gzip, upgrade passed", edit: bufferResponses, expect: "websocket" },
  {
    name: "buffering+gzip and no upgrade",
    edit: (c) => bufferResponses(dropUpgrade(c)),
    expect: "polling", // the SSE stream stalls: the client times it out
  },
];

let node: SwitchboardNode;
const proxies: RunningNginx[] = [];

before(async () => {
  node = await startNode("h1"); // default options: all five transports
});

after(async () => {
  for (const proxy of proxies) await proxy.stop();
  await node.close();
});

interface Measure {
  /** ms from io() to the server's first message ("welcome"). */
  firstMessage: number;
  /** ms from io() to the answer of the first emitWithAck. */
  firstAck: number;
  transport: string;
  /** What the node refused up to the first answer (before the client disconnected). */
  refused: string[];
}

/** A client with default options: connects, gets "welcome", echoes once, disconnects. */
async function measure(url: string): Promise<Measure> {
  const started = performance.now();
  const socket = io(url);
  try {
    const welcome = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no message in ${PATH_DEADLINE_MS} ms`)),
        PATH_DEADLINE_MS,
      );
      socket.once("welcome", () => {
        clearTimeout(timer);
        resolve(performance.now() - started);
      });
    });
    const reply = (await socket.timeout(PATH_DEADLINE_MS).emitWithAck("echo", "hi")) as {
      data: unknown;
    };
    assert.equal(reply.data, "hi");
    return {
      firstMessage: Math.round(welcome),
      firstAck: Math.round(performance.now() - started),
      transport: socket.io.engine?.transport?.name ?? "none",
      refused: [...new Set(node.refusals.map((r) => `${r.message} (${r.sbCode})`))],
    };
  } finally {
    socket.disconnect();
  }
}

for (const path of paths) {
  test(`default client through nginx, ${path.name}: connects and exchanges messages`, async () => {
    const nginx = await startDeployNginx(
      "switchboard.conf",
      { SWITCHBOARD_UPSTREAM: node.address },
      path.edit,
    );
    proxies.push(nginx);
    node.refusals.length = 0;
    // A fresh port is a fresh endpoint: the first client walks the whole ladder, the second
    // starts with the transport the first one ended on.
    const cold = await measure(nginx.url);
    const warm = await measure(nginx.url);
    console.log(
      `# ${path.name}: first message ${cold.firstMessage} ms, first ack ${cold.firstAck} ms on ${cold.transport}; second client ${warm.firstMessage} ms on ${warm.transport}; node refused before the first answer: ${cold.refused.join(", ") || "nothing"}`,
    );
    assert.equal(cold.transport, path.expect);
    assert.equal(warm.transport, cold.transport, "the second client starts where the first ended");
  });
}

/**
 * The fixtures themselves: an upstream that writes one event of a text/event-stream and holds
 * the response open. Through switchboard.conf the event arrives while the stream is open; through
 * the buffering variant it does not arrive until the upstream ends the response.
 */
test("streams: switchboard.conf passes an open event stream through, the buffering variant holds it", async () => {
  const held: ServerResponse[] = [];
  const upstream = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store" });
    res.write("data: first\n\n");
    held.push(res);
  });
  upstream.listen(0, "127.0.0.1");
  await once(upstream, "listening");
  const address = `127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  /** Whether the event arrived before the upstream ended the response (waits at most `ms`). */
  const arrivesWhileOpen = async (edit: (c: string) => string, ms: number): Promise<boolean> => {
    const nginx = await startDeployNginx(
      "switchboard.conf",
      { SWITCHBOARD_UPSTREAM: address },
      edit,
    );
    proxies.push(nginx);
    let body = "";
    let onData = (): void => {};
    const req = get(`${nginx.url}/socket.io/?EIO=4&transport=sse`, {
      headers: { "accept-encoding": "gzip" }, // as browsers and fetch send it
    });
    // nginx may hold the headers back with the body, so nothing waits for "response" alone.
    const ended = new Promise<void>((resolve, reject) => {
      req.once("error", reject);
      req.once("response", (raw: IncomingMessage) => {
        const res = raw.headers["content-encoding"] === "gzip" ? raw.pipe(createGunzip()) : raw;
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
          onData();
        });
        res.once("end", resolve);
        res.once("error", reject);
      });
    });
    const early = await new Promise<boolean>((resolve) => {
      // No event can say "nothing arrived": a bounded wait is the only way to see a stall.
      const timer = setTimeout(() => resolve(false), ms);
      onData = () => {
        if (!body.includes("data: first")) return;
        clearTimeout(timer);
        resolve(true);
      };
    });
    for (const r of held.splice(0)) r.end();
    await ended;
    assert.ok(body.includes("data: first"), "the event arrives at the end in any case");
    return early;
  };
  try {
    assert.equal(await arrivesWhileOpen((c) => c, 5_000), true, "switchboard.conf streams");
    assert.equal(await arrivesWhileOpen(bufferResponses, 500), false, "the variant buffers");
  } finally {
    for (const r of held.splice(0)) r.end();
    upstream.close();
    await once(upstream, "close");
  }
});
