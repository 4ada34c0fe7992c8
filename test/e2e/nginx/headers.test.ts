/**
 * The request headers that deploy/nginx/switchboard.conf sets, seen from the node: a browser
 * page served by the same nginx is same-origin for the origin policy (Host keeps the port), the
 * node learns the client's address, and the `$host` variant (port dropped) shows why it matters.
 */
import assert from "node:assert/strict";
import type { IncomingHttpHeaders } from "node:http";
import { after, before, test } from "node:test";
import {
  type RunningNginx,
  replaceOnce,
  type SwitchboardNode,
  startDeployNginx,
  startNode,
} from "./harness.js";

let node: SwitchboardNode;
const proxies: RunningNginx[] = [];
/** Headers of the handshakes the node accepted, in order. */
const handshakes: IncomingHttpHeaders[] = [];

before(async () => {
  node = await startNode("hd"); // no cors option: same-origin browsers only
  node.io.engine.on("connection", (session) => handshakes.push(session.request.headers));
});

after(async () => {
  for (const proxy of proxies) await proxy.stop();
  await node.close();
});

async function proxy(edit?: (conf: string) => string): Promise<RunningNginx> {
  const nginx = await startDeployNginx(
    "switchboard.conf",
    { SWITCHBOARD_UPSTREAM: node.address },
    edit,
  );
  proxies.push(nginx);
  return nginx;
}

/** A polling handshake as a page at `origin` makes it (fetch sends Origin on a GET to a peer). */
async function handshake(url: string, origin: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${url}/socket.io/?EIO=4&transport=polling`, { headers: { origin } });
  return { status: res.status, body: await res.text() };
}

test("switchboard.conf: a page served through the same nginx is same-origin; the node sees the client", async () => {
  const nginx = await proxy();
  handshakes.length = 0;
  const same = await handshake(nginx.url, nginx.url);
  assert.equal(same.status, 200, same.body);
  assert.match(same.body, /^0\{"sid":"hd\./);
  const seen = handshakes[0];
  assert.ok(seen);
  assert.equal(seen.host, `127.0.0.1:${nginx.port}`, "Host keeps the port");
  assert.equal(seen["x-forwarded-proto"], "http");
  assert.equal(seen["x-forwarded-for"], "127.0.0.1");
  // And a page of another origin is still refused: the proxy does not open the policy.
  const other = await handshake(nginx.url, "http://evil.example");
  assert.equal(other.status, 403);
  assert.equal(handshakes.length, 1);
});

test("with `Host $host` (port dropped) the same page is judged cross-origin and refused", async () => {
  const nginx = await proxy((conf) =>
    replaceOnce(conf, /proxy_set_header Host \$http_host;/, "proxy_set_header Host $host;"),
  );
  handshakes.length = 0;
  const refused = await handshake(nginx.url, nginx.url);
  assert.equal(refused.status, 403, refused.body);
  assert.deepEqual(JSON.parse(refused.body), { code: 4, message: "Forbidden" });
  assert.equal(handshakes.length, 0);
});
