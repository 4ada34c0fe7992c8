/**
 * The official Socket.IO Admin UI (`@socket.io/admin-ui` 0.5, `instrument(io)`) on a Switchboard
 * server, driven through the Admin UI's own protocol (a socket.io-client on `/admin`), in
 * development and production modes and with basic auth: what the dashboard shows on Socket.IO
 * 4.8 it shows here. This pins the Socket.IO surface instrument() reads (`io._nsps`,
 * "new_namespace", `io.engine.clientsCount`, the engine's "connection", the session's
 * "packetCreate" / "packet" / "upgrade" / "close", `socket.client.id`, `socket.conn.transport`,
 * a writable `socket.data`, `onAny` / `onAnyOutgoing`, the adapter's "join-room" /
 * "leave-room", `fetchSockets`, `socketsJoin` / `socketsLeave` / `disconnectSockets`).
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { type Socket as ClientSocket, io as connect } from "socket.io-client";
import { AdminClient, type Instrumented, startInstrumented } from "./admin-harness.ts";

interface Stats {
  clientsCount: number;
  pollingClientsCount: number;
  namespaces: { name: string; socketsCount: number }[];
  aggregatedEvents: { type: string; subType?: string; count: number }[];
}
interface SerializedSocket {
  id: string;
  clientId: string;
  transport: string;
  nsp: string;
  data: Record<string, unknown>;
  rooms: string[];
  handshake: { address: string; query: Record<string, string>; headers: Record<string, string> };
}

const ALL_FEATURES = ["EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT"];

function client(url: string, transports?: string[]): ClientSocket {
  return connect(url, { forceNew: true, reconnection: false, ...(transports && { transports }) });
}

/** The arguments of the socket's next `event`. */
function once(socket: ClientSocket, event: string): Promise<unknown[]> {
  return new Promise((resolve) => socket.once(event, (...args: unknown[]) => resolve(args)));
}

async function connected(socket: ClientSocket): Promise<string> {
  if (!socket.connected) await once(socket, "connect");
  return socket.id!;
}

/** Sums the aggregated events of type `type` (and `subType`) over every stats event so far. */
function total(admin: AdminClient, type: string, subType?: string): number {
  let sum = 0;
  for (const [stats] of admin.all("server_stats") as [Stats][]) {
    for (const e of stats.aggregatedEvents) {
      if (e.type === type && (subType === undefined || e.subType === subType)) sum += e.count;
    }
  }
  return sum;
}

const statsWhere = (admin: AdminClient, match: (s: Stats) => boolean) =>
  admin.next("server_stats", ([s]) => match(s as Stats)).then(([s]) => s as Stats);

describe("Socket.IO Admin UI on Switchboard", { timeout: 60_000 }, () => {
  const running: Instrumented[] = [];
  const sockets: ClientSocket[] = [];
  after(async () => {
    for (const s of sockets) s.disconnect();
    for (const r of running) await r.close();
  });

  test("development mode: stats, socket list, live events and every operation", async () => {
    const server = await startInstrumented({ auth: false, mode: "development" }, (io) => {
      io.on("connection", (socket) => {
        socket.data.nick = `user-${socket.handshake.query.n}`;
        socket.on("hello", (text: string) => socket.emit("hi", text.toUpperCase()));
      });
    });
    running.push(server);
    const admin = new AdminClient(server.url);
    const [config] = (await admin.next("config")) as [{ supportedFeatures: string[] }];
    assert.deepEqual(config.supportedFeatures, [
      ...ALL_FEATURES,
      "AGGREGATED_EVENTS",
      "ALL_EVENTS",
    ]);
    const [initial] = (await admin.next("all_sockets")) as [SerializedSocket[]];
    assert.deepEqual(
      initial.map((s) => s.nsp),
      ["/admin"],
    );

    // One polling-only client, one that upgrades to WebSocket.
    const polling = client(`${server.url}/?n=1`, ["polling"]);
    const upgrading = client(`${server.url}/?n=2`);
    sockets.push(polling, upgrading);
    const pollingId = await connected(polling);
    const upgradingId = await connected(upgrading);
    const [first] = (await admin.next(
      "socket_connected",
      ([s]) => (s as SerializedSocket).id === pollingId,
    )) as [SerializedSocket];
    assert.equal(first.nsp, "/");
    assert.equal(first.transport, "polling");
    assert.deepEqual(first.rooms, [pollingId]);
    assert.equal(first.handshake.address, "127.0.0.1");
    assert.equal(first.handshake.query.n, "1");
    assert.equal(first.clientId.length, 12);
    await admin.next(
      "room_joined",
      ([nsp, room, id]) => nsp === "/" && room === pollingId && id === pollingId,
    );
    // The data set in the connection handler is seen as an update.
    await admin.next(
      "socket_updated",
      ([u]) => (u as { id: string; data?: { nick?: string } }).data?.nick === "user-1",
    );
    // The transport upgrade is seen live.
    await admin.next(
      "socket_updated",
      ([u]) =>
        (u as { id: string; transport?: string }).id === upgradingId &&
        (u as { transport?: string }).transport === "websocket",
    );

    // Events received and sent, with their arguments.
    upgrading.emit("hello", "there");
    await once(upgrading, "hi");
    const [nspIn, idIn, argsIn] = await admin.next(
      "event_received",
      ([, id]) => id === upgradingId,
    );
    assert.deepEqual([nspIn, idIn, argsIn], ["/", upgradingId, ["hello", "there"]]);
    const [, , argsOut] = await admin.next("event_sent", ([, id]) => id === upgradingId);
    assert.deepEqual(argsOut, ["hi", "THERE"]);

    // Server stats: every client of the engine, the polling ones, sockets per namespace.
    const stats = await statsWhere(
      admin,
      (s) =>
        s.clientsCount === 3 &&
        s.pollingClientsCount === 1 &&
        s.namespaces.some((n) => n.name === "/" && n.socketsCount === 2),
    );
    assert.deepEqual(
      stats.namespaces.find((n) => n.name === "/admin"),
      { name: "/admin", socketsCount: 1 },
    );
    assert.equal(total(admin, "rawConnection"), 3);
    for (const type of ["packetsIn", "bytesIn", "packetsOut", "bytesOut"]) {
      assert.ok(total(admin, type) > 0, `${type} aggregated`);
    }
    // bytesIn counts the engine packets' payloads: at least the EVENT the client sent.
    assert.ok(total(admin, "bytesIn") >= Buffer.byteLength('2["hello","there"]'));

    // A second dashboard gets the list of sockets with transport, rooms, data and handshake.
    const second = new AdminClient(server.url);
    const [list] = (await second.next("all_sockets")) as [SerializedSocket[]];
    const byId = new Map(list.map((s) => [s.id, s]));
    assert.equal(byId.get(pollingId)?.transport, "polling");
    assert.equal(byId.get(upgradingId)?.transport, "websocket");
    assert.deepEqual(byId.get(upgradingId)?.data, { nick: "user-2" });
    assert.deepEqual(byId.get(upgradingId)?.rooms, [upgradingId]);
    assert.equal(byId.get(upgradingId)?.handshake.query.n, "2");
    assert.equal(list.filter((s) => s.nsp === "/admin").length, 2);
    second.close();

    // Operations. emit to one socket, then to all.
    const toOne = once(polling, "notice");
    admin.socket.emit("emit", "/", pollingId, "notice", "just you");
    assert.deepEqual(await toOne, ["just you"]);
    const toAll = [once(polling, "notice"), once(upgrading, "notice")];
    admin.socket.emit("emit", "/", undefined, "notice", "everyone");
    for (const got of await Promise.all(toAll)) assert.deepEqual(got, ["everyone"]);

    // join and leave: one socket, then every socket.
    const io = server.io;
    admin.socket.emit("join", "/", "solo", pollingId);
    await admin.next("room_joined", ([, room, id]) => room === "solo" && id === pollingId);
    assert.ok(io.of("/").sockets.get(pollingId)?.rooms.has("solo"));
    admin.socket.emit("join", "/", "everyone");
    await admin.next("room_joined", ([, room, id]) => room === "everyone" && id === pollingId);
    await admin.next("room_joined", ([, room, id]) => room === "everyone" && id === upgradingId);
    admin.socket.emit("leave", "/", "solo", pollingId);
    await admin.next("room_left", ([, room, id]) => room === "solo" && id === pollingId);
    admin.socket.emit("leave", "/", "everyone");
    await admin.next("room_left", ([, room, id]) => room === "everyone" && id === upgradingId);
    assert.deepEqual([...io.of("/").sockets.get(pollingId)!.rooms], [pollingId]);

    // disconnect one socket, then every socket of the namespace (closing their connections).
    const gone = once(polling, "disconnect");
    admin.socket.emit("_disconnect", "/", false, pollingId);
    assert.deepEqual((await gone)[0], "io server disconnect");
    const [, , reason] = await admin.next("socket_disconnected", ([, id]) => id === pollingId);
    assert.equal(reason, "server namespace disconnect");
    const closed = once(upgrading, "disconnect");
    admin.socket.emit("_disconnect", "/", true);
    await closed;
    await admin.next("socket_disconnected", ([, id]) => id === upgradingId);
    await statsWhere(admin, (s) => s.clientsCount === 1 && s.pollingClientsCount === 0);
    assert.equal(total(admin, "rawDisconnection") >= 1, true);
    admin.close();
  });

  test("production mode: stats and operations, no per-socket events", async () => {
    const server = await startInstrumented({ auth: false, mode: "production" });
    running.push(server);
    const admin = new AdminClient(server.url);
    const [config] = (await admin.next("config")) as [{ supportedFeatures: string[] }];
    assert.deepEqual(config.supportedFeatures, [...ALL_FEATURES, "AGGREGATED_EVENTS"]);
    const polling = client(server.url, ["polling"]);
    const ws = client(server.url, ["websocket"]);
    sockets.push(polling, ws);
    const pollingId = await connected(polling);
    await connected(ws);
    await statsWhere(
      admin,
      (s) =>
        s.clientsCount === 3 &&
        s.pollingClientsCount === 1 &&
        s.namespaces.some((n) => n.name === "/" && n.socketsCount === 2),
    );
    const gone = once(polling, "disconnect");
    admin.socket.emit("_disconnect", "/", true, pollingId);
    await gone;
    await statsWhere(admin, (s) => s.clientsCount === 2 && s.pollingClientsCount === 0);
    assert.equal(total(admin, "rawConnection"), 3);
    assert.equal(total(admin, "rawDisconnection"), 1);
    for (const event of ["all_sockets", "socket_connected", "room_joined"] as const) {
      assert.equal(admin.all(event).length, 0, `${event} is development-only`);
    }
    admin.close();
  });

  test("basic auth: wrong password refused, right one gets a session id that logs in again", async () => {
    // bcrypt hash (cost 4) of "s3cret", as the Admin UI README says to configure it.
    const password = "$2a$04$2OiImR7lvDoC07.yYJrHXeMHKyPm/SdTOlMfUMxLmItOLopb9z.TK";
    const server = await startInstrumented({
      auth: { type: "basic", username: "admin", password },
    });
    running.push(server);
    const wrong = new AdminClient(server.url, { username: "admin", password: "nope" });
    const [err] = (await once(wrong.socket, "connect_error")) as [Error];
    assert.equal(err.message, "invalid credentials");
    wrong.close();

    const right = new AdminClient(server.url, { username: "admin", password: "s3cret" });
    const [sessionId] = (await right.next("session")) as [string];
    await right.next("config");
    right.close();
    const again = new AdminClient(server.url, { sessionId });
    await again.next("config");
    assert.equal(again.all("session").length, 0);
    again.close();
  });
});
