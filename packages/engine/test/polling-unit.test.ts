/** The polling transport alone, with stand-in requests and responses. */
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import { test } from "node:test";
import {
  type EngineError,
  resolveEngineOptions,
  type TransportSink,
  transportRegistry,
} from "../src/index.js";
import { PollingTransport } from "../src/transports/polling.js";

function fakeRes() {
  const res = new EventEmitter() as EventEmitter & {
    destroyed: boolean;
    writableFinished: boolean;
    headersSent: boolean;
    written: { status: number; body: unknown } | undefined;
    writeHead(status: number): void;
    end(body: unknown, cb?: () => void): void;
  };
  res.destroyed = false;
  res.writableFinished = false;
  res.headersSent = false;
  res.written = undefined;
  res.writeHead = (status) => {
    res.written = { status, body: undefined };
  };
  // As a ServerResponse whose answer is handed to the OS at once: finish (and end's callback),
  // then close.
  res.end = (body, cb) => {
    res.written!.body = body;
    res.writableFinished = true;
    res.emit("finish");
    cb?.();
    res.emit("close");
  };
  return res;
}

function setup() {
  const options = resolveEngineOptions({}, new Set(transportRegistry.keys()));
  const transport = new PollingTransport({ options, decorateHeaders: () => {} }, false);
  const reports: string[] = [];
  const sink: TransportSink = {
    onTransportPacket: (p) => reports.push(`packet ${p.type}`),
    onTransportError: (reason, error: EngineError) => reports.push(`${reason} ${error.code}`),
    onTransportClose: () => reports.push("close"),
    onTransportDrain: () => reports.push("drain"),
  };
  transport.setSink(sink);
  const req = { method: "GET", headers: {} } as IncomingMessage;
  return { transport, reports, req };
}

test("an answer written completes: onWritten runs, no error", () => {
  const { transport, reports, req } = setup();
  const res = fakeRes();
  transport.handleRequest(req, res as unknown as ServerResponse);
  assert.deepEqual(reports, ["drain"]);
  assert.equal(transport.writable, true);
  let written = 0;
  transport.send([{ type: "message", data: "x" }], { compress: false }, () => written++);
  assert.deepEqual(res.written, { status: 200, body: "4x" });
  assert.equal(written, 1);
  assert.equal(transport.writable, false);
  assert.deepEqual(reports, ["drain"]);
});

test("an answer that cannot be delivered fails the transport and never reports written", () => {
  const { transport, reports, req } = setup();
  const res = fakeRes();
  transport.handleRequest(req, res as unknown as ServerResponse);
  res.destroyed = true; // the connection died; its "close" has not been seen yet
  let written = 0;
  transport.send([{ type: "message", data: "x" }], { compress: false }, () => written++);
  assert.equal(written, 0);
  assert.equal(res.written, undefined);
  assert.deepEqual(reports, ["drain", "transport error SB_ERR_POLL_ABORTED"]);
});

test("close while no poll waits: the next poll carries the close packet", () => {
  const { transport, reports, req } = setup();
  let closed = 0;
  transport.close("graceful", () => closed++);
  assert.equal(closed, 0);
  const res = fakeRes();
  transport.handleRequest(req, res as unknown as ServerResponse);
  assert.deepEqual(res.written, { status: 200, body: "1" });
  assert.equal(closed, 1);
  assert.deepEqual(reports, []);
});

test("discard releases a waiting poll with a noop", () => {
  const { transport, req } = setup();
  const res = fakeRes();
  transport.handleRequest(req, res as unknown as ServerResponse);
  transport.close("discard");
  assert.deepEqual(res.written, { status: 200, body: "6" });
  assert.equal(transport.writable, false);
});
