/** Options are checked when the adapter class is made, with coded errors. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ServerErrorCode } from "@switchboard/server";
import { Redis } from "ioredis";
import { createAdapter, createShardedAdapter, defaultRedisAdapterOptions } from "../src/index.ts";

test("impossible options are refused with SB_ERR_BAD_OPTION; defaults are Socket.IO's", () => {
  // lazyConnect: no connection is attempted, only the objects are needed
  const client = new Redis({ lazyConnect: true });
  const bad = { code: ServerErrorCode.BAD_OPTION };
  assert.throws(() => createAdapter(client, client, { key: "" }), bad);
  assert.throws(() => createAdapter(client, client, { requestsTimeout: 0 }), bad);
  assert.throws(() => createAdapter(client, client, { parser: {} as never }), bad);
  assert.throws(() => createShardedAdapter(client, client, { channelPrefix: "" }), bad);
  assert.throws(
    () => createShardedAdapter(client, client, { subscriptionMode: "sometimes" as never }),
    bad,
  );
  assert.equal(typeof createAdapter(client, client), "function");
  assert.deepEqual(
    { ...defaultRedisAdapterOptions },
    {
      key: "socket.io",
      requestsTimeout: 5000,
      publishOnSpecificResponseChannel: false,
      channelPrefix: "socket.io",
      subscriptionMode: "dynamic",
    },
  );
});
