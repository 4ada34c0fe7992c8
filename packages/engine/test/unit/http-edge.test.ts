/** queryOf reads a request's query as URLSearchParams does, once per request URL. */
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { test } from "node:test";
import fc from "fast-check";
import { queryOf } from "../../src/http-edge.js";

const request = (url: string) => ({ url }) as IncomingMessage;

test("reads every name as URLSearchParams.get does", () => {
  const names = ["EIO", "transport", "sid", "j", "o", "t", "", "x"];
  const cases = [
    "/engine.io/?EIO=4&transport=polling&t=Pz1&sid=abc.DEF-123_x",
    "/engine.io/?EIO=4&EIO=3&transport=",
    "/engine.io/?&&EIO&=v&x==y&",
    "/engine.io/",
    "/engine.io/?",
    "/engine.io/?o=https%3A%2F%2Fapp.example&j=2",
    "/engine.io/?sid=a+b&bad=%zz&x=%E2%82%AC",
  ];
  for (const url of cases) {
    const expected = new URLSearchParams(url.includes("?") ? url.slice(url.indexOf("?") + 1) : "");
    for (const name of names) {
      assert.equal(queryOf(request(url)).get(name), expected.get(name), `${url} ${name}`);
    }
  }
});

test("agrees with URLSearchParams on arbitrary query strings", () => {
  const part = fc.stringMatching(/^[A-Za-z0-9=&%+._~-]{0,12}$/);
  fc.assert(
    fc.property(
      fc.array(part, { maxLength: 6 }),
      fc.constantFrom("EIO", "sid", "", "a"),
      (parts, name) => {
        const query = parts.join("&");
        assert.equal(
          queryOf(request(`/p?${query}`)).get(name),
          new URLSearchParams(query).get(name),
        );
      },
    ),
    { numRuns: 2000 },
  );
});

test("parses once per URL, again when the URL changes", () => {
  const req = request("/engine.io/?transport=polling");
  const first = queryOf(req);
  assert.equal(queryOf(req), first, "the same request reads the same parse");
  req.url = "/engine.io/?transport=websocket";
  assert.equal(queryOf(req).get("transport"), "websocket");
});
