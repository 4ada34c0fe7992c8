import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type Mode, modes, next, start } from "./harness.ts";

for (const mode of Object.keys(modes) as Mode[]) {
  describe(`socket.io-client 4.8, ${mode}`, () => {
    test("connects and exchanges an event with acks both ways", async () => {
      const h = await start(mode);
      try {
        h.io.on("connection", (socket) => {
          socket.on("hello", (name: string, ack: (r: string) => void) => ack(`hi ${name}`));
        });
        const client = h.client();
        await next(client, "connect");
        assert.equal(await client.emitWithAck("hello", "ann"), "hi ann");
      } finally {
        await h.close();
      }
    });
  });
}
