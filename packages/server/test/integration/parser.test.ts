/**
 * A custom `parser` (socket.io-msgpack-parser, as Socket.IO apps use it): socket.io-client 4.8
 * configured with the same parser connects, emits with acks, sends and receives binary, gets
 * broadcasts and namespace refusals; the frames on the wire are msgpack, not Socket.IO's text.
 */
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { describe, test } from "node:test";
import type { Parser } from "@switchboard/server";
import { type Mode, modes, next, start } from "./harness.ts";

// A CommonJS module without types: loaded as the Socket.IO docs show, typed by our interface.
const msgpackParser = createRequire(import.meta.url)("socket.io-msgpack-parser") as Parser;

for (const mode of Object.keys(modes) as Mode[]) {
  describe(`socket.io-client 4.8 with socket.io-msgpack-parser, ${mode}`, () => {
    test("events, acks, binary, broadcasts and refusals go through the custom parser", async () => {
      const h = await start(mode, { parser: msgpackParser });
      try {
        const frames: unknown[] = [];
        h.io.on("connection", (socket) => {
          socket.conn.on("message" as never, ((data: unknown) => frames.push(data)) as never);
          socket.on("echo", (value: unknown, ack: (v: unknown) => void) => ack(value));
          socket.emit("hello", { n: 1 }, Buffer.from([1, 2, 3]));
        });
        h.io
          .of("/locked")
          .use((_socket, nextFn) =>
            nextFn(Object.assign(new Error("no entry"), { data: { code: 7 } })),
          );
        const client = h.client("/", { parser: msgpackParser });
        // A server that does not speak the parser closes the connection instead ("parse error").
        const failed = new Promise<never>((_resolve, reject) => {
          client.on("connect_error", reject);
          client.on("disconnect", (reason) => reject(new Error(reason)));
        });
        const [greeting, bytes] = await Promise.race([
          next<[{ n: number }, ArrayBuffer]>(client, "hello"),
          failed,
        ]);
        assert.deepEqual(greeting, { n: 1 });
        assert.deepEqual([...new Uint8Array(bytes)], [1, 2, 3]);
        const echoed = await client.emitWithAck("echo", { deep: [1, "two", { three: null }] });
        assert.deepEqual(echoed, { deep: [1, "two", { three: null }] });
        const echoedBytes = await client.emitWithAck("echo", new Uint8Array([9, 8]));
        assert.deepEqual([...new Uint8Array(echoedBytes as ArrayBuffer)], [9, 8]);
        const cast = next<[string]>(client, "cast");
        h.io.emit("cast", "to all");
        assert.deepEqual(await cast, ["to all"]);
        const refused = h.client("/locked", { parser: msgpackParser });
        const [err] = await next<[Error & { data: unknown }]>(refused, "connect_error");
        assert.equal(err.message, "no entry");
        assert.deepEqual(err.data, { code: 7 });
        assert.ok(frames.length > 0);
        assert.ok(
          frames.every((f) => Buffer.isBuffer(f)),
          "every message from the client is a msgpack buffer",
        );
      } finally {
        await h.close();
      }
    });
  });
}
