import assert from "node:assert/strict";
import { test } from "node:test";
import { runInNewContext } from "node:vm";
import fc from "fast-check";
import { parseIndex, scriptLiteral } from "../../src/script-literal.js";
import { parseOrigin } from "../../src/transports/htmlfile.js";
import { sseEvent } from "../../src/transports/sse.js";

test("scriptLiteral escapes what could end or change a script", () => {
  const nasty = '</script><!--\u2028\u2029"\\&>';
  const literal = scriptLiteral(nasty);
  assert.equal(literal, '"\\u003c/script\\u003e\\u003c!--\\u2028\\u2029\\"\\\\\\u0026\\u003e"');
  assert.equal(runInNewContext(literal), nasty);
});

test("scriptLiteral round-trips any string through a script, and never contains < > & U+2028/9", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary" }), (s) => {
      const literal = scriptLiteral(s);
      assert.ok(!/[<>&\u2028\u2029]/.test(literal));
      assert.equal(runInNewContext(`(${literal})`), s);
    }),
    { numRuns: 300 },
  );
});

test("parseIndex accepts 1-9 decimal digits only", () => {
  assert.equal(parseIndex("0"), 0);
  assert.equal(parseIndex("123456789"), 123456789);
  for (const bad of [null, "", "-1", "1e3", " 1", "0x1", "1234567890", "a", "1;"]) {
    assert.equal(parseIndex(bad), undefined, String(bad));
  }
});

test("parseOrigin accepts serialized http(s) origins only", () => {
  assert.equal(parseOrigin("https://app.example"), "https://app.example");
  assert.equal(parseOrigin("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
  for (const bad of [null, "*", "null", "https://a.example/", "https://A.example", "ftp://a.b"]) {
    assert.equal(parseOrigin(bad), undefined, String(bad));
  }
});

test("sseEvent: LF-split data lines, or a j event with the JSON string when there is a CR", () => {
  assert.equal(sseEvent("4a"), "data: 4a\n\n");
  assert.equal(sseEvent("4a\nb"), "data: 4a\ndata: b\n\n");
  assert.equal(sseEvent("4\n"), "data: 4\ndata: \n\n");
  assert.equal(sseEvent("4a\nb\r\nc\rd"), 'event: j\ndata: "4a\\nb\\r\\nc\\rd"\n\n');
  assert.equal(sseEvent("4\r"), 'event: j\ndata: "4\\r"\n\n');
});
