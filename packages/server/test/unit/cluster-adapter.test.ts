/**
 * The adapter seam: a toy cluster adapter (two servers on an in-process bus) built only from
 * the public Adapter interface and InMemoryAdapter. Namespace and Socket are not touched, yet
 * broadcasts, fetchSockets, room operations and serverSideEmit reach the other server.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { SocketPacket } from "@switchboard/protocol";
import {
  type AdapterNamespace,
  type BroadcastOptions,
  InMemoryAdapter,
  type Room,
  type SocketDetails,
} from "@switchboard/server";
import { fakeServer, tick } from "../helpers.ts";

/** Every BusAdapter of a namespace name, across "servers". */
const bus = new Map<string, Set<BusAdapter>>();

class BusAdapter extends InMemoryAdapter {
  constructor(nsp: AdapterNamespace) {
    super(nsp);
    const peers = bus.get(nsp.name) ?? new Set<BusAdapter>();
    bus.set(nsp.name, peers);
    peers.add(this);
  }
  #peers(): BusAdapter[] {
    return [...(bus.get(this.nsp.name) ?? [])].filter((a) => a !== this);
  }
  override close(): void {
    bus.get(this.nsp.name)?.delete(this);
    super.close();
  }
  override async serverCount(): Promise<number> {
    return this.#peers().length + 1;
  }
  override broadcast(packet: SocketPacket, opts: BroadcastOptions): void {
    if (opts.flags?.local !== true) {
      for (const peer of this.#peers())
        peer.deliver({ ...packet, data: structuredClone(packet.data) }, opts);
    }
    super.broadcast(packet, opts);
  }
  deliver(packet: SocketPacket, opts: BroadcastOptions): void {
    super.broadcast(packet, opts);
  }
  override async fetchSockets(opts: BroadcastOptions): Promise<SocketDetails[]> {
    const local = await super.fetchSockets(opts);
    if (opts.flags?.local === true) return local;
    const remote = await Promise.all(this.#peers().map((p) => p.localSockets(opts)));
    return [...local, ...remote.flat()];
  }
  localSockets(opts: BroadcastOptions): Promise<SocketDetails[]> {
    return super.fetchSockets(opts);
  }
  override addSockets(opts: BroadcastOptions, rooms: Room[]): void {
    for (const peer of this.#peers()) peer.localAdd(opts, rooms);
    super.addSockets(opts, rooms);
  }
  localAdd(opts: BroadcastOptions, rooms: Room[]): void {
    super.addSockets(opts, rooms);
  }
  override serverSideEmit(
    args: unknown[],
    ack?: (err: Error | null, responses: unknown[]) => void,
  ): void {
    const peers = this.#peers();
    const responses: unknown[] = [];
    for (const peer of peers) {
      peer.nsp.receiveServerSideEmit(
        [...args],
        ack
          ? (response) => {
              responses.push(response);
              if (responses.length === peers.length) ack(null, responses);
            }
          : undefined,
      );
    }
    if (ack && peers.length === 0) ack(null, []);
  }
}

test("a cluster adapter replaces the in-memory one without touching Namespace or Socket", async () => {
  const a = fakeServer({ adapter: BusAdapter });
  const b = fakeServer({ adapter: BusAdapter });
  const onA = a.engine.open();
  const onB = b.engine.open();
  onA.receive("0");
  onB.receive("0");
  await tick();
  onA.take();
  onB.take();
  const [socketB] = b.io.sockets.sockets.values();
  await socketB!.join("room");

  // a broadcast on A reaches B's socket in the room, encoded by B's adapter
  a.io.to("room").emit("hello", 1);
  assert.deepEqual(onB.take(), ['2["hello",1]']);
  assert.deepEqual(onA.take(), []);
  a.io.local.emit("only-a");
  assert.deepEqual([onA.take(), onB.take()], [['2["only-a"]'], []]);

  // fetchSockets on A sees B's socket, as a proxy that works through the adapter
  const found = await a.io.in("room").fetchSockets();
  assert.deepEqual(
    found.map((s) => s.id),
    [socketB!.id],
  );
  found[0]!.emit("direct", 2);
  assert.deepEqual(onB.take(), ['2["direct",2]']);
  a.io.in("room").socketsJoin("joined-from-a");
  assert.ok(socketB!.rooms.has("joined-from-a"));

  // serverSideEmit with acks
  b.io.on("who", (ack: (name: string) => void) => ack("server b"));
  assert.deepEqual(await a.io.serverSideEmitWithAck("who"), ["server b"]);
  assert.equal(await a.io.of("/").adapter.serverCount(), 2);

  await a.io.close();
  await b.io.close();
  assert.equal(bus.get("/")?.size ?? 0, 0);
});
