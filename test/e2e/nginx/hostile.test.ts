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
import { io as officialIo } from "socket.io-client";
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
 * nginx that buffers responses: buffering on with large buffers and the upstream's
 * X-Accel-Buffering ignored. (With buffering on alone, nginx 1.22 still forwards each chunk at
 * once to a client that reads.)
 */
function buffering(conf: string): string {
  return replaceOnce(
    conf,
    /^\s*proxy_buffering off;\n/m,
    `        proxy_buffering on;
        proxy_buffer_size 64k;
        proxy_buffers 32 64k;
        proxy_busy_buffers_size 1m;
        proxy_ignore_headers X-Accel-Buffering;
`,
  );
}

/**
 * nginx that holds streams back: {@link buffering}, and gzip on the streaming content types:
 * the compression of a buffered response waits for the gzip buffers to fill or the response to
 * end, as a compressing or scanning proxy does.
 */
function bufferResponses(conf: string): string {
  return replaceOnce(
    buffering(conf),
    /^\s*gzip off;\n/m,
    `        gzip on;
        gzip_proxied any;
        gzip_min_length 1;
        gzip_types text/event-stream text/html text/plain application/javascript;
`,
  );
}

type TransportName = "websocket" | "sse" | "polling";

interface PathCase {
  name: string;
  edit(conf: string): string;
  /** The best transport the path allows: a default client must end on it. */
  expect: TransportName;
  /** What socket.io-client (polling, then websocket) ends on. */
  official: TransportName;
}

const paths: readonly PathCase[] = [
  { name: "normal (switchboard.conf)", edit: (c) => c, expect: "websocket", official: "websocket" },
  { name: "no upgrade", edit: dropUpgrade, expect: "sse", official: "polling" },
  { name: "buffering", edit: buffering, expect: "websocket", official: "websocket" },
  {
    name: "buffering and no upgrade",
    edit: (c) => buffering(dropUpgrade(c)),
    expect: "sse",
    official: "polling",
  },
  {
    name: "buffering+gzip, upgrade passed",
    edit: bufferResponses,
    expect: "websocket",
    official: "websocket",
  },
  {
    name: "buffering+gzip and no upgrade",
    edit: (c) => bufferResponses(dropUpgrade(c)),
    expect: "polling", // the SSE stream stalls: its probe ends, the session stays on polling
    official: "polling",
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
  /** The transport the session ended on (after any upgrade in progress settled). */
  transport: string;
  /** Probes given up for a timeout before the first answer (a stalled stream held it back). */
  probeTimeoutsFirst: number;
  /** What the node refused up to the first answer (before the client disconnected). */
  refused: string[];
  /** WebSocket handshakes the node refused up to the first answer. */
  refusedWebSockets: number;
}

/** The part of either client's socket that the measure uses. */
interface AnySocket {
  once(event: string, fn: (...args: unknown[]) => void): unknown;
  timeout(ms: number): { emitWithAck(event: string, ...args: unknown[]): Promise<unknown> };
  disconnect(): unknown;
  io: {
    on(event: "open", fn: () => void): unknown;
    engine?: { transport?: { name: string }; once(event: string, fn: () => void): unknown } | null;
  };
}

/** `cold`: a client that remembers no transport from an earlier connect. */
type Connect = (url: string, opts: { cold?: boolean }) => AnySocket;

/** Cold samples per client and path. */
const COLD_SAMPLES = 9;

/** Median and range of samples, as "median (min-max)". */
function spread(values: readonly number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  return `${median} (${sorted[0]}-${sorted[sorted.length - 1]})`;
}

const clients: readonly { name: string; connect: Connect; official: boolean }[] = [
  {
    name: "@switchboard/client",
    connect: (url, { cold }) =>
      (cold
        ? io(url, { forceNew: true, rememberTransport: false })
        : io(url)) as unknown as AnySocket,
    official: false,
  },
  {
    name: "socket.io-client",
    connect: (url) => officialIo(url, { forceNew: true }) as unknown as AnySocket,
    official: true,
  },
];

/** Resolves when `fn` is called, or rejects after PATH_DEADLINE_MS. */
function within<T>(what: string, start: (done: (value: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${what}: nothing in ${PATH_DEADLINE_MS} ms`)),
      PATH_DEADLINE_MS,
    );
    start((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

/**
 * A client with default options: connects, gets "welcome", echoes once, lets an upgrade in
 * progress towards `expect` settle, disconnects.
 */
async function measure(
  url: string,
  connect: (url: string) => AnySocket,
  expect: string,
): Promise<Measure> {
  const started = performance.now();
  const socket = connect(url);
  let probeTimeouts = 0;
  let answered = false;
  socket.io.on("open", () =>
    (socket.io.engine as unknown as { on(e: string, fn: (error: unknown) => void): void }).on(
      "upgradeError",
      (error: unknown) => {
        if (!answered && /timeout/.test(String((error as Error).message))) probeTimeouts++;
      },
    ),
  );
  try {
    const welcome = await within<number>("welcome", (done) =>
      socket.once("welcome", () => done(performance.now() - started)),
    );
    const reply = (await socket.timeout(PATH_DEADLINE_MS).emitWithAck("echo", "hi")) as {
      data: unknown;
    };
    answered = true;
    const firstAck = performance.now() - started;
    assert.equal(reply.data, "hi");
    const engine = socket.io.engine!;
    if (engine.transport?.name !== expect) {
      await within("upgrade", (done) => engine.once("upgrade", () => done(undefined)));
    }
    return {
      firstMessage: Math.round(welcome),
      firstAck: Math.round(firstAck),
      transport: engine.transport?.name ?? "none",
      probeTimeoutsFirst: probeTimeouts,
      refused: [...new Set(node.refusals.map((r) => `${r.message} (${r.sbCode})`))],
      refusedWebSockets: node.refusals.filter((r) =>
        /[?&]transport=websocket(&|$| )/.test(r.request),
      ).length,
    };
  } finally {
    socket.disconnect();
  }
}

/** One plain request through nginx to the node (answered 400: no transport). */
async function warmUp(url: string): Promise<void> {
  const res = await new Promise<IncomingMessage>((resolve, reject) =>
    get(`${url}/socket.io/?EIO=4`, resolve).once("error", reject),
  );
  res.resume();
  await once(res, "end");
}

for (const path of paths) {
  test(`default clients through nginx, ${path.name}: connect, exchange, end on the best transport`, async () => {
    const nginx = await startDeployNginx(
      "switchboard.conf",
      { SWITCHBOARD_UPSTREAM: node.address },
      path.edit,
    );
    proxies.push(nginx);
    // nginx's first request pays for its worker's first upstream connection: not either client's.
    await warmUp(nginx.url);
    // Cold samples of both clients, alternating which goes first, so that neither always meets
    // the colder process or a burst of other work. `rememberTransport: false` makes every one of
    // ours cold (a first client of a fresh endpoint); socket.io-client has no such memory.
    const cold = new Map<string, Measure[]>(clients.map((c) => [c.name, []]));
    for (let i = 0; i < COLD_SAMPLES; i++) {
      const order = (paths.indexOf(path) + i) % 2 === 0 ? clients : [...clients].reverse();
      for (const client of order) {
        node.refusals.length = 0;
        const expect = client.official ? path.official : path.expect;
        const m = await measure(nginx.url, (url) => client.connect(url, { cold: true }), expect);
        cold.get(client.name)?.push(m);
        assert.equal(m.transport, expect, client.name);
        // The first answer never waits for a stalled stream to be given up.
        assert.equal(m.probeTimeoutsFirst, 0, `${client.name}: a probe timed out first`);
        // Ours loses no round trip to a refused WebSocket where a proxy dropped Upgrade: the
        // node answers its marked handshake as polling's (the polling fallback).
        if (!client.official) assert.equal(m.refusedWebSockets, 0, `${client.name}: ${m.refused}`);
      }
    }
    for (const client of clients) {
      const expect = client.official ? path.official : path.expect;
      // A fresh port is a fresh endpoint: this client's first connect walks the whole ladder,
      // the next starts with the transport that one ended on.
      const first = await measure(nginx.url, (url) => client.connect(url, {}), expect);
      const second = await measure(nginx.url, (url) => client.connect(url, {}), expect);
      const samples = cold.get(client.name) ?? [];
      console.log(
        `# ${path.name}, ${client.name}: cold first ack ${spread(samples.map((m) => m.firstAck))} ms (first message ${spread(samples.map((m) => m.firstMessage))}), ended on ${first.transport}; second client ${second.firstMessage} / ${second.firstAck} ms on ${second.transport}; node refused before the first answer: ${samples[0]?.refused.join(", ") || "nothing"}`,
      );
      assert.equal(first.transport, expect, client.name);
      assert.equal(second.transport, first.transport, "the second client ends where the first did");
      assert.equal(second.probeTimeoutsFirst, 0, `${client.name}: a probe timed out first`);
    }
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
