/**
 * Bad input of any kind gets an answer and, when it is not valid Engine.IO, a closed session:
 * never a crash, a hang or a leftover session. Random POST bodies and WebSocket frames.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { after, before, describe, test } from "node:test";
import { decodeEnginePayload } from "@switchboard/protocol";
import fc from "fast-check";
import type { SessionCloseReason } from "../src/index.js";
import { type Harness, pollingHandshake, send, startEngine, url, wsHandshake } from "./helpers.js";

/** Strings built mostly from the characters that mean something on the wire. */
const wireText = fc
  .array(fc.constantFrom("0", "1", "2", "3", "4", "5", "6", "7", "b", "\x1e", "x", "é", "=", "A"), {
    maxLength: 20,
  })
  .map((chars) => chars.join(""));

function isValidPayload(body: string): boolean {
  try {
    decodeEnginePayload(body);
    return true;
  } catch {
    return false;
  }
}

describe("fuzz", { timeout: 30000 }, () => {
  let h: Harness;
  before(async () => {
    h = await startEngine({ maxHttpBufferSize: 64 });
  });
  after(() => h.close());

  test("random POST bodies: ok and delivered, or 400/413 and the session closed", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(wireText, fc.string({ maxLength: 80 })), async (body) => {
        const { sid, session } = await pollingHandshake(h);
        const reasons: SessionCloseReason[] = [];
        session.on("close", (reason) => reasons.push(reason));
        const res = await send(h.port, "POST", url(`EIO=4&transport=polling&sid=${sid}`), {
          body,
        });
        if (Buffer.byteLength(body) > 64) {
          assert.equal(res.status, 413);
          assert.deepEqual(reasons, ["transport error"]);
        } else if (isValidPayload(body)) {
          assert.equal(res.status, 200);
          assert.equal(res.text, "ok");
          // A close packet in the payload is the only valid way to end the session here.
          if (reasons.length > 0) assert.deepEqual(reasons, ["transport close"]);
        } else {
          assert.equal(res.status, 400);
          assert.deepEqual(reasons, ["parse error"]);
        }
        if (session.state !== "closed") {
          const closed = once(session, "close");
          session.close();
          await send(h.port, "GET", url(`EIO=4&transport=polling&sid=${sid}`));
          await closed;
        }
        assert.equal(h.engine.clientsCount, 0);
      }),
      { numRuns: 60 },
    );
  });

  test("random WebSocket frames: a message, or a closed session with a reason", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          wireText,
          fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b)),
        ),
        async (frame) => {
          const { peer, session } = await wsHandshake(h);
          const outcome = new Promise<string>((resolve) => {
            session.on("packet", (p) => resolve(`packet ${p.type}`));
            session.on("close", (reason) => resolve(`close ${reason}`));
          });
          peer.send(frame);
          const size = typeof frame === "string" ? Buffer.byteLength(frame) : frame.length;
          const result = await outcome;
          if (size > 64) assert.equal(result, "close transport error");
          else if (typeof frame !== "string") assert.equal(result, "packet message");
          else if (isValidPayload(frame) && !frame.includes("\x1e")) {
            assert.match(result, /^packet /);
          } else assert.match(result, /^(close parse error|packet )/);
          const closed = session.state === "closed" ? Promise.resolve() : once(session, "close");
          await peer.close();
          await closed;
          assert.equal(h.engine.clientsCount, 0);
        },
      ),
      { numRuns: 60 },
    );
  });
});
