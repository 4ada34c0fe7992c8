import assert from "node:assert/strict";
import { test } from "node:test";
import type { DisconnectReason } from "@switchboard/server";
import { fakeServer, tick } from "../helpers.ts";

/**
 * Each case: a victim connection (joined to "/") receives `bad` and must close with
 * "parse error"; a bystander connection must stay and still receive a broadcast.
 */
const cases: [string, string[]][] = [
  ["unknown packet type", ["0", "9"]],
  ["EVENT whose payload is not an array", ["0", '2"hello"']],
  ["EVENT whose first element is not a string", ["0", "2[1,2]"]],
  ["invalid JSON", ["0", '2["a",']],
  ["ack id too long to be an integer", ["0", '212345678901234567890["a"]']],
  ["ACK without an id", ["0", '3["a"]']],
  ["a second CONNECT to the same namespace", ["0", "0"]],
  ["an EVENT before CONNECT", ['2["hello"]']],
  ["an EVENT for a namespace never joined", ["0", '2/admin,["hello"]']],
  ["an EVENT with a reserved name", ["0", '2["disconnect"]']],
  ["a CONNECT_ERROR from the client", ["0", '4{"message":"x"}']],
  ["a binary attachment nobody announced", ["0", "__binary__"]],
  ["a DISCONNECT with a payload", ["0", '1{"a":1}']],
];

for (const [name, frames] of cases) {
  test(`${name} closes that connection with "parse error", nothing else`, async () => {
    const { io, engine } = fakeServer();
    io.of("/admin");
    const reasons: DisconnectReason[] = [];
    io.on("connection", (socket) => socket.on("disconnect", (r) => reasons.push(r)));
    const bystander = engine.open();
    bystander.receive("0");
    const victim = engine.open();
    for (const frame of frames.slice(0, -1)) victim.receive(frame);
    await tick();
    const last = frames[frames.length - 1]!;
    victim.receive(last === "__binary__" ? Buffer.from([1, 2]) : last);
    await tick();
    assert.equal(victim.state, "closed");
    assert.deepEqual(victim.closeReasons, ["forced close"]);
    // a victim that had joined "/" saw "parse error"; the bystander saw nothing
    assert.deepEqual(reasons, frames.length > 1 ? ["parse error"] : []);
    bystander.take();
    io.emit("still", "here");
    assert.deepEqual(bystander.take(), ['2["still","here"]']);
    assert.equal(io.sockets.sockets.size, 1);
    await io.close();
  });
}

test("a late packet for a namespace the server left is ignored, not fatal", async () => {
  const { io, engine } = fakeServer();
  io.of("/admin").on("connection", (socket) => socket.disconnect());
  const session = engine.open();
  session.receive("0");
  session.receive("0/admin,");
  await tick();
  session.receive('2/admin,["late"]');
  assert.equal(session.state, "open");
  await io.close();
});

test("a binary EVENT is rebuilt from its attachments", async () => {
  const { io, engine } = fakeServer();
  let got: unknown[] = [];
  io.on("connection", (socket) =>
    socket.on("file", (...args) => {
      got = args;
    }),
  );
  const session = engine.open();
  session.receive("0");
  await tick();
  session.receive('51-["file",{"name":"a","data":{"_placeholder":true,"num":0}}]');
  assert.deepEqual(got, []);
  session.receive(Buffer.from([7, 8, 9]));
  assert.deepEqual(got, [{ name: "a", data: Buffer.from([7, 8, 9]) }]);
  await io.close();
});

test("the disconnect description names the error code of what was refused", async () => {
  const codes: unknown[] = [];
  for (const bad of ["0", "9"]) {
    const { io, engine } = fakeServer();
    io.on("connection", (socket) =>
      socket.on("disconnect", (_reason, description) =>
        codes.push((description as { code?: string }).code),
      ),
    );
    const session = engine.open();
    session.receive("0");
    await tick();
    session.receive(bad);
    await io.close();
  }
  assert.deepEqual(codes, ["SB_ERR_PROTOCOL_VIOLATION", "SB_ERR_UNKNOWN_SOCKET_PACKET"]);
});

test("packets for a namespace that refused the connection are dropped, not fatal", async () => {
  const { io, engine } = fakeServer();
  io.of("/locked").use((_socket, next) => next(new Error("no")));
  const session = engine.open();
  session.receive("0/locked,");
  session.receive("0/missing,");
  await tick();
  session.receive("1/locked,");
  session.receive('2/missing,["x"]');
  assert.equal(session.state, "open");
  assert.deepEqual(session.take(), [
    '4/locked,{"message":"no"}',
    '4/missing,{"message":"Invalid namespace"}',
  ]);
  await io.close();
});
