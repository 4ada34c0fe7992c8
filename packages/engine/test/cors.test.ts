import assert from "node:assert/strict";
import { once } from "node:events";
import type { IncomingMessage } from "node:http";
import { describe, test } from "node:test";
import {
  type ConnectionErrorEvent,
  type CorsOptions,
  checkOrigin,
  isSameOrigin,
  type OriginVerdict,
} from "../src/index.js";
import { Peer, pollingHandshake, send, startEngine, url } from "./helpers.js";

function fakeReq(headers: Record<string, string>, method = "GET", encrypted = false) {
  return { method, headers, socket: { encrypted } } as unknown as IncomingMessage;
}

function verdict(cors: CorsOptions | undefined, req: IncomingMessage): Promise<OriginVerdict> {
  return new Promise((resolve) => checkOrigin(req, cors, resolve));
}

describe("origin policy (unit)", () => {
  test("same-origin means same scheme and host, default ports included", () => {
    const req = fakeReq({ host: "a.example:8080" });
    assert.equal(isSameOrigin("http://a.example:8080", req), true);
    assert.equal(isSameOrigin("https://a.example:8080", req), false);
    assert.equal(isSameOrigin("http://a.example", req), false);
    assert.equal(isSameOrigin("http://b.example:8080", req), false);
    assert.equal(isSameOrigin("null", req), false);
    assert.equal(isSameOrigin("http://a.example", fakeReq({ host: "a.example:80" })), true);
    assert.equal(
      isSameOrigin("https://a.example", fakeReq({ host: "a.example" }, "GET", true)),
      true,
    );
    const proxied = fakeReq({ host: "a.example", "x-forwarded-proto": "https" });
    assert.equal(isSameOrigin("https://a.example", proxied), true);
  });

  const cases: [string, CorsOptions | undefined, string, boolean, string | undefined][] = [
    ["no cors, cross-origin", undefined, "http://evil.example", false, undefined],
    ["cors: {} means any origin", {}, "http://x.example", true, "*"],
    ["origin *", { origin: "*" }, "http://x.example", true, "*"],
    [
      "origin * with credentials reflects",
      { origin: "*", credentials: true },
      "http://x.example",
      true,
      "http://x.example",
    ],
    ["origin true reflects", { origin: true }, "http://x.example", true, "http://x.example"],
    ["origin false", { origin: false }, "http://x.example", false, undefined],
    [
      "exact string match",
      { origin: "http://ok.example" },
      "http://ok.example",
      true,
      "http://ok.example",
    ],
    [
      "exact string mismatch",
      { origin: "http://ok.example" },
      "http://ok.example.evil",
      false,
      undefined,
    ],
    [
      "RegExp match",
      { origin: /\.ok\.example$/ },
      "http://a.ok.example",
      true,
      "http://a.ok.example",
    ],
    ["RegExp mismatch", { origin: /\.ok\.example$/ }, "http://ok.example.evil", false, undefined],
    [
      "list match",
      { origin: ["http://a.example", /b\.example$/] },
      "http://b.example",
      true,
      "http://b.example",
    ],
    ["list mismatch", { origin: ["http://a.example"] }, "http://c.example", false, undefined],
    [
      "function allows",
      { origin: (o, cb) => setImmediate(() => cb(null, o === "http://f.example")) },
      "http://f.example",
      true,
      "http://f.example",
    ],
    [
      "function refuses",
      { origin: (_o, cb) => cb(null, false) },
      "http://f.example",
      false,
      undefined,
    ],
    [
      "function errors",
      { origin: (_o, cb) => cb(new Error("x")) },
      "http://f.example",
      false,
      undefined,
    ],
  ];
  for (const [name, cors, origin, allowed, acao] of cases) {
    test(name, async () => {
      const v = await verdict(cors, fakeReq({ host: "srv.example", origin }));
      assert.equal(v.allowed, allowed);
      assert.equal(v.headers["Access-Control-Allow-Origin"], acao);
      assert.equal(v.headers.Vary, "Origin");
      if (acao === "*") assert.equal(v.headers["Access-Control-Allow-Credentials"], undefined);
    });
  }

  test("no Origin always passes, with no CORS headers", async () => {
    const v = await verdict({ origin: false }, fakeReq({ host: "srv.example" }));
    assert.deepEqual(v, { allowed: true, origin: undefined, headers: {} });
  });

  test("preflight headers: methods, reflected or fixed headers, max-age, credentials", async () => {
    const pre = (h: Record<string, string>) =>
      fakeReq(
        { host: "s", origin: "http://o", "access-control-request-method": "POST", ...h },
        "OPTIONS",
      );
    const a = await verdict(
      { origin: "http://o", credentials: true, maxAge: 600 },
      pre({ "access-control-request-headers": "x-a" }),
    );
    assert.equal(a.headers["Access-Control-Allow-Methods"], "GET,POST");
    assert.equal(a.headers["Access-Control-Allow-Headers"], "x-a");
    assert.equal(a.headers["Access-Control-Max-Age"], "600");
    assert.equal(a.headers["Access-Control-Allow-Credentials"], "true");
    assert.equal(a.headers.Vary, "Origin, Access-Control-Request-Headers");
    const b = await verdict({ methods: "GET", allowedHeaders: ["x-b", "x-c"] }, pre({}));
    assert.equal(b.headers["Access-Control-Allow-Methods"], "GET");
    assert.equal(b.headers["Access-Control-Allow-Headers"], "x-b,x-c");
    assert.equal(b.headers["Access-Control-Expose-Headers"], undefined);
  });
});

describe("origin policy (over the wire)", () => {
  test("without cors: no Origin and same-origin pass; cross-origin HTTP and WebSocket get 403", async () => {
    const h = await startEngine();
    try {
      const plain = await send(h.port, "GET", url("EIO=4&transport=polling"));
      assert.equal(plain.status, 200);
      const same = await send(h.port, "GET", url("EIO=4&transport=polling"), {
        headers: { Origin: h.origin },
      });
      assert.equal(same.status, 200);
      const errored = once(h.engine, "connection_error") as Promise<[ConnectionErrorEvent]>;
      const cross = await send(h.port, "GET", url("EIO=4&transport=polling"), {
        headers: { Origin: "http://evil.example" },
      });
      assert.equal(cross.status, 403);
      assert.deepEqual(JSON.parse(cross.text), { code: 4, message: "Forbidden" });
      // The refused page may read the refusal (and nothing else), so its client can say why.
      assert.equal(cross.headers["access-control-allow-origin"], "http://evil.example");
      assert.equal(cross.headers["access-control-allow-credentials"], "true");
      const [event] = await errored;
      assert.equal(event.context.sbCode, "SB_ERR_ORIGIN_REFUSED");
      assert.equal(event.context.origin, "http://evil.example");

      const hijack = new Peer(h.port, "EIO=4&transport=websocket", {
        Origin: "http://evil.example",
      });
      await assert.rejects(hijack.opened, (err: { status: number; body: string }) => {
        assert.equal(err.status, 403);
        assert.deepEqual(JSON.parse(err.body), { code: 4, message: "Forbidden" });
        return true;
      });
      const httpsSameHost = new Peer(h.port, "EIO=4&transport=websocket", {
        Origin: `https://127.0.0.1:${h.port}`,
      });
      await assert.rejects(httpsSameHost.opened, (err: { status: number }) => err.status === 403);
      const connected = once(h.engine, "connection");
      const ok = new Peer(h.port, "EIO=4&transport=websocket", { Origin: h.origin });
      await ok.opened;
      await connected;
      assert.equal(h.engine.clientsCount, 3);
      await ok.close();
    } finally {
      await h.close();
    }
  });

  test("a refused request that names a session closes it (its sid reached a foreign page)", async () => {
    const h = await startEngine();
    try {
      const { sid, session } = await pollingHandshake(h);
      const closed = once(session, "close");
      const res = await send(h.port, "POST", url(`EIO=4&transport=polling&sid=${sid}`), {
        body: "4x",
        headers: { Origin: "http://evil.example" },
      });
      assert.equal(res.status, 403);
      const [reason, description] = await closed;
      assert.equal(reason, "transport error");
      assert.equal((description as { code: string }).code, "SB_ERR_ORIGIN_REFUSED");
      assert.equal(h.engine.clientsCount, 0);
    } finally {
      await h.close();
    }
  });

  test("with cors: preflight answered, headers on responses, other origins refused", async () => {
    const h = await startEngine({
      cors: {
        origin: ["https://app.example"],
        credentials: true,
        exposedHeaders: ["X-Trace"],
        maxAge: 600,
      },
    });
    try {
      const preflight = await send(h.port, "OPTIONS", url("EIO=4&transport=polling"), {
        headers: {
          Origin: "https://app.example",
          "Access-Control-Request-Method": "POST",
          "Access-Control-Request-Headers": "content-type",
        },
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers["access-control-allow-origin"], "https://app.example");
      assert.equal(preflight.headers["access-control-allow-credentials"], "true");
      assert.equal(preflight.headers["access-control-allow-methods"], "GET,POST");
      assert.equal(preflight.headers["access-control-allow-headers"], "content-type");
      assert.equal(preflight.headers["access-control-max-age"], "600");
      assert.match(String(preflight.headers.vary), /Origin/);

      const open = await send(h.port, "GET", url("EIO=4&transport=polling"), {
        headers: { Origin: "https://app.example" },
      });
      assert.equal(open.status, 200);
      assert.equal(open.headers["access-control-allow-origin"], "https://app.example");
      assert.equal(open.headers["access-control-expose-headers"], "X-Trace");
      assert.equal(open.headers.vary, "Origin");

      // Errors carry CORS headers too, so that the page can read them.
      const bad = await send(h.port, "GET", url("EIO=4&transport=nope"), {
        headers: { Origin: "https://app.example" },
      });
      assert.equal(bad.status, 400);
      assert.equal(bad.headers["access-control-allow-origin"], "https://app.example");

      const refusedPreflight = await send(h.port, "OPTIONS", url("EIO=4&transport=polling"), {
        headers: { Origin: "https://evil.example", "Access-Control-Request-Method": "POST" },
      });
      assert.equal(refusedPreflight.status, 403);
      assert.equal(refusedPreflight.headers["access-control-allow-origin"], undefined);

      const allowedWs = new Peer(h.port, "EIO=4&transport=websocket", {
        Origin: "https://app.example",
      });
      await allowedWs.opened;
      await allowedWs.close();
      const refusedWs = new Peer(h.port, "EIO=4&transport=websocket", {
        Origin: "https://evil.example",
      });
      await assert.rejects(refusedWs.opened, (err: { status: number }) => err.status === 403);
    } finally {
      await h.close();
    }
  });

  test("origin * answers * without credentials", async () => {
    const h = await startEngine({ cors: { origin: "*" } });
    try {
      const res = await send(h.port, "GET", url("EIO=4&transport=polling"), {
        headers: { Origin: "http://anywhere.example" },
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers["access-control-allow-origin"], "*");
      assert.equal(res.headers["access-control-allow-credentials"], undefined);
    } finally {
      await h.close();
    }
  });
});

describe("each origin refusal is reported once, with the origin", () => {
  test("polling, sse and jsonp requests, a WebSocket upgrade, a session's POST", async () => {
    const h = await startEngine();
    try {
      const events: ConnectionErrorEvent[] = [];
      h.engine.on("connection_error", (e) => events.push(e));
      const origin = "http://evil.example";
      const headers = { Origin: origin };
      for (const t of ["polling", "sse"]) {
        assert.equal(
          (await send(h.port, "GET", url(`EIO=4&transport=${t}`), { headers })).status,
          403,
        );
      }
      const ws = new Peer(h.port, "EIO=4&transport=websocket", headers);
      await assert.rejects(ws.opened);
      const { sid } = await pollingHandshake(h);
      const post = await send(h.port, "POST", url(`EIO=4&transport=polling&sid=${sid}`), {
        body: "4x",
        headers,
      });
      assert.equal(post.status, 403);
      const jsonp = await send(h.port, "POST", url("EIO=4&transport=jsonp&sid=nope"), {
        body: "4x",
        headers,
      });
      assert.equal(jsonp.status, 403);
      assert.deepEqual(
        events.map((e) => [e.code, e.context.sbCode, e.context.origin]),
        Array(5).fill([4, "SB_ERR_ORIGIN_REFUSED", origin]),
      );
    } finally {
      await h.close();
    }
  });
});
