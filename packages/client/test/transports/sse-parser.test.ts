import assert from "node:assert/strict";
import { test } from "node:test";
import { SseParser } from "../../src/transports/sse-parser.ts";

function parse(chunks: string[]): string[] {
  const events: string[] = [];
  const parser = new SseParser((data) => {
    events.push(data);
    return true;
  });
  for (const chunk of chunks) parser.push(chunk);
  return events;
}

test("one event per blank line; data lines joined with \\n", () => {
  assert.deepEqual(parse(["data: 0{}\n\ndata: a\ndata: b\n\n"]), ["0{}", "a\nb"]);
});

test("CRLF, CR and LF line ends, also split across chunks", () => {
  assert.deepEqual(parse(["data: x\r", "\n\r\ndata:y\r\r", "data: z\n", "\n"]), ["x", "y", "z"]);
});

test("comments, other fields and empty events are ignored; one leading space is removed", () => {
  assert.deepEqual(parse([": ping\n\nevent: foo\nid: 1\nretry: 5\n\ndata:  two spaces\n\n"]), [
    " two spaces",
  ]);
});

test("an event is dispatched only at its blank line", () => {
  assert.deepEqual(parse(["data: partial\n"]), []);
});

test("returning false stops parsing", () => {
  const events: string[] = [];
  const parser = new SseParser((data) => {
    events.push(data);
    return false;
  });
  assert.equal(parser.push("data: 1\n\ndata: 2\n\n"), false);
  assert.deepEqual(events, ["1"]);
});

test("an event's name is handed on with its data, and reset after it", () => {
  const events: [string, string][] = [];
  const parser = new SseParser((data, event) => {
    events.push([data, event]);
    return true;
  });
  parser.push('event: j\ndata: "a\\rb"\n\ndata: 4x\n\nevent:j\ndata:"y"\n\n');
  assert.deepEqual(events, [
    ['"a\\rb"', "j"],
    ["4x", ""],
    ['"y"', "j"],
  ]);
});
