import assert from "node:assert/strict";
import { once } from "node:events";
import { after, before, describe, test } from "node:test";
import type { Session } from "../src/index.js";
import { type Harness, Peer, pollingHandshake, send, startEngine, url } from "./helpers.js";
import { RawStream, runHtmlFile, runJsonp } from "./stream-helpers.js";

const PAGE = "https://app.example";
const COOKIE = "user=u42";

/**
 * What the application sees of the session's cookie: the header, and whether the cookie's text
 * is anywhere in what the session kept of the request (its socket aside).
 */
function cookieOf(session: Session): { header: string | undefined; anywhere: boolean } {
  const anywhere = Object.entries(session.request).some(
    ([key, value]) => key !== "socket" && JSON.stringify(value)?.includes(COOKIE) === true,
  );
  return { header: session.request.headers.cookie, anywhere };
}

const kept = { header: COOKIE, anywhere: true };
const withheld = { header: undefined, anywhere: false };

/** A session over a WebSocket handshake with these headers. */
async function wsSession(h: Harness, headers: Record<string, string>) {
  const connected = once(h.engine, "connection") as Promise<[Session]>;
  const peer = new Peer(h.port, "EIO=4&transport=websocket", headers);
  await peer.opened;
  const [session] = await connected;
  await peer.close();
  return session;
}

/**
 * A jsonp session (the script GET carries the cookie, no Origin), proven by a POST with
 * `postHeaders`; resolves to the session once the application hears of it.
 */
async function jsonpSession(h: Harness, postHeaders: Record<string, string>) {
  const res = await send(h.port, "GET", url("EIO=4&transport=jsonp&j=0"), {
    headers: { Cookie: COOKIE },
  });
  const payload = runJsonp(res.text).get(0)?.[0] as string;
  const sid = (JSON.parse(payload.slice(1)) as { sid: string }).sid;
  const session = await proveByPost(h, "jsonp", sid, postHeaders);
  session.close();
  return session;
}

/** POSTs a message for held session `sid`; resolves with the session it proves. */
async function proveByPost(
  h: Harness,
  transport: string,
  sid: string,
  postHeaders: Record<string, string>,
): Promise<Session> {
  const connected = once(h.engine, "connection") as Promise<[Session]>;
  const post = await send(h.port, "POST", url(`EIO=4&transport=${transport}&sid=${sid}`), {
    body: "4x",
    headers: { "Content-Type": "text/plain;charset=UTF-8", ...postHeaders },
  });
  assert.equal(post.text, "ok");
  const [session] = await connected;
  return session;
}

/** An htmlfile session for page `PAGE` (the iframe GET carries the cookie), proven likewise. */
async function htmlfileSession(h: Harness, postHeaders: Record<string, string>) {
  const q = `EIO=4&transport=htmlfile&j=0&o=${encodeURIComponent(PAGE)}`;
  const stream = await RawStream.open(h.port, url(q), { Cookie: COOKIE });
  await stream.until((t) => runHtmlFile(t).length > 0);
  const [message] = runHtmlFile(stream.text)[0] as unknown as [{ d: string }, unknown];
  const sid = (JSON.parse(message.d.slice(1)) as { sid: string }).sid;
  const session = await proveByPost(h, "htmlfile", sid, postHeaders);
  session.close();
  await stream.ended;
  return session;
}

for (const credentials of [false, true]) {
  describe(`cookies of cross-origin sessions, cors.credentials ${credentials}`, () => {
    let h: Harness;
    before(async () => {
      h = await startEngine({ cors: { origin: [PAGE], credentials } });
    });
    after(() => h.close());
    const crossOrigin = credentials ? kept : withheld;

    test(`polling from an allowed foreign origin: cookie ${credentials ? "kept" : "withheld"}`, async () => {
      const { session } = await pollingHandshake(h, { Origin: PAGE, Cookie: COOKIE });
      assert.deepEqual(cookieOf(session), crossOrigin);
      assert.equal(session.request.headers.origin, PAGE, "other headers stay");
      session.close();
    });

    test(`websocket from an allowed foreign origin: cookie ${credentials ? "kept" : "withheld"}`, async () => {
      const session = await wsSession(h, { Origin: PAGE, Cookie: COOKIE });
      assert.deepEqual(cookieOf(session), crossOrigin);
    });

    test("same-origin sessions and clients without Origin keep their cookie", async () => {
      const same = await pollingHandshake(h, { Origin: h.origin, Cookie: COOKIE });
      assert.deepEqual(cookieOf(same.session), kept);
      same.session.close();
      const node = await pollingHandshake(h, { Cookie: COOKIE });
      assert.deepEqual(cookieOf(node.session), kept);
      node.session.close();
      assert.deepEqual(cookieOf(await wsSession(h, { Origin: h.origin, Cookie: COOKIE })), kept);
      assert.deepEqual(cookieOf(await jsonpSession(h, { Origin: h.origin })), kept);
      assert.deepEqual(cookieOf(await jsonpSession(h, {})), kept);
    });

    test(`jsonp proven by a foreign POST with the cookie: ${credentials ? "kept" : "withheld"}`, async () => {
      const session = await jsonpSession(h, { Origin: PAGE, Cookie: COOKIE });
      assert.deepEqual(cookieOf(session), crossOrigin);
    });

    test("jsonp proven by a foreign POST without the cookie (no withCredentials): withheld", async () => {
      assert.deepEqual(cookieOf(await jsonpSession(h, { Origin: PAGE })), withheld);
    });

    test(`htmlfile proven by a foreign POST with the cookie: ${credentials ? "kept" : "withheld"}`, async () => {
      const session = await htmlfileSession(h, { Origin: PAGE, Cookie: COOKIE });
      assert.deepEqual(cookieOf(session), crossOrigin);
    });

    test("htmlfile proven by a foreign POST without the cookie: withheld", async () => {
      assert.deepEqual(cookieOf(await htmlfileSession(h, { Origin: PAGE })), withheld);
    });
  });
}
