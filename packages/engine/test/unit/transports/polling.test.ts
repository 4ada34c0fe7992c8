/** The polling transport alone, driven over a real loopback connection. */
import assert from "node:assert/strict";
import type { ServerResponse } from "node:http";
import { afterEach, test } from "node:test";
import {
  type EngineError,
  resolveEngineOptions,
  type TransportSink,
  transportRegistry,
} from "../../../src/index.js";
import { PollingTransport } from "../../../src/transports/polling.js";
import { send } from "../../helpers.js";
import { type Loopback, loopback } from "../loopback.js";

let server: Loopback | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A polling transport whose requests come from a loopback server; `polled` resolves once a poll waits. */
async function setup() {
  const options = resolveEngineOptions({}, new Set(transportRegistry.keys()));
  const transport = new PollingTransport({ options, decorateHeaders: () => {} }, false);
  const reports: string[] = [];
  let pollWaits: ((res: ServerResponse) => void) | undefined;
  let lastRes: ServerResponse | undefined;
  const sink: TransportSink = {
    onTransportPacket: (p) => reports.push(`packet ${p.type}`),
    onTransportError: (reason, error: EngineError) => reports.push(`${reason} ${error.code}`),
    onTransportClose: () => reports.push("close"),
    onTransportDrain: () => {
      reports.push("drain");
      pollWaits?.(lastRes!);
    },
  };
  transport.setSink(sink);
  server = await loopback((req, res) => {
    lastRes = res;
    transport.handleRequest(req, res);
  });
  const port = server.port;
  /** Sends a GET; resolves with its server-side response once the transport holds it. */
  function poll() {
    const held = new Promise<ServerResponse>((resolve) => {
      pollWaits = resolve;
    });
    const answer = send(port, "GET", "/");
    return { held, answer };
  }
  return { transport, reports, poll, port };
}

test("an answer written completes: onWritten runs once the OS has it, no error", async () => {
  const { transport, reports, poll } = await setup();
  assert.equal(transport.writable, false, "no poll waits");
  const { held, answer } = poll();
  await held;
  assert.deepEqual(reports, ["drain"]);
  assert.equal(transport.writable, true);
  const written = new Promise<void>((resolve) => {
    transport.send([{ type: "message", data: "x" }], { compress: false }, resolve);
  });
  assert.equal(transport.writable, false, "the poll is taken");
  await written;
  const res = await answer;
  assert.equal(res.status, 200);
  assert.equal(res.text, "4x");
  assert.equal(res.headers["x-content-type-options"], "nosniff");
  assert.equal(res.headers["cache-control"], "no-store");
  assert.deepEqual(reports, ["drain"]);
});

test("an answer that cannot be delivered fails the transport and never reports written", async () => {
  const { transport, reports, poll } = await setup();
  const { held, answer } = poll();
  answer.catch(() => {});
  const res = await held;
  res.destroy(); // the connection died; its "close" has not been seen yet
  let written = 0;
  transport.send([{ type: "message", data: "x" }], { compress: false }, () => written++);
  assert.equal(written, 0);
  assert.equal(res.headersSent, false, "nothing was written");
  assert.deepEqual(reports, ["drain", "transport error SB_ERR_POLL_ABORTED"]);
});

test("close while no poll waits: the next poll carries the close packet", async () => {
  const { transport, reports, poll } = await setup();
  let closed = 0;
  transport.close("graceful", () => closed++);
  assert.equal(closed, 0);
  const res = await poll().answer;
  assert.equal(res.text, "1");
  assert.equal(closed, 1);
  assert.deepEqual(reports, []);
});

test("discard releases a waiting poll with a noop", async () => {
  const { transport, poll } = await setup();
  const { held, answer } = poll();
  await held;
  transport.close("discard");
  assert.equal(transport.writable, false);
  assert.equal((await answer).text, "6");
});

test("a method other than GET and POST is refused (400 code 3); the transport goes on", async () => {
  const { transport, reports, port } = await setup();
  const res = await send(port, "PUT", "/");
  assert.equal(res.status, 400);
  assert.deepEqual(JSON.parse(res.text), { code: 3, message: "Bad request" });
  assert.deepEqual(reports, []);
  assert.equal(transport.bufferedAmount, 0);
});
