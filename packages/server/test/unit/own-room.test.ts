/**
 * A socket's own room and its room list start as one Set {id} in the in-memory adapter; every
 * change to either must leave the other as it was, with the same room events as ever.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { InMemoryAdapter } from "@switchboard/server";

function adapterWithEvents() {
  const adapter = new InMemoryAdapter({} as never);
  const events: string[] = [];
  for (const name of ["create-room", "delete-room", "join-room", "leave-room"]) {
    adapter.on(name, (room: string, id?: string) => events.push(`${name} ${room} ${id ?? ""}`));
  }
  const state = () => ({
    rooms: Object.fromEntries([...adapter.rooms].map(([r, s]) => [r, [...s].sort()])),
    sids: Object.fromEntries([...adapter.sids].map(([i, s]) => [i, [...s].sort()])),
  });
  return { adapter, events, state };
}

test("joining its own room: one shared set, the usual events", () => {
  const { adapter, events, state } = adapterWithEvents();
  adapter.addAll("a", new Set(["a"]));
  assert.deepEqual(state(), { rooms: { a: ["a"] }, sids: { a: ["a"] } });
  assert.equal(adapter.rooms.get("a"), adapter.sids.get("a"), "one Set serves both");
  assert.deepEqual(events, ["create-room a ", "join-room a a"]);
});

test("joining another room leaves the own room's members alone", () => {
  const { adapter, state } = adapterWithEvents();
  adapter.addAll("a", new Set(["a"]));
  adapter.addAll("a", new Set(["red"]));
  assert.deepEqual(state(), { rooms: { a: ["a"], red: ["a"] }, sids: { a: ["a", "red"] } });
});

test("another socket joining a room named after a socket leaves that socket's rooms alone", () => {
  const { adapter, state } = adapterWithEvents();
  adapter.addAll("a", new Set(["a"]));
  adapter.addAll("b", new Set(["b", "a"]));
  assert.deepEqual(state(), {
    rooms: { a: ["a", "b"], b: ["b"] },
    sids: { a: ["a"], b: ["a", "b"] },
  });
});

test("leaving its own room: the room goes, the socket's other rooms stay, events fire", () => {
  const { adapter, events, state } = adapterWithEvents();
  adapter.addAll("a", new Set(["a"]));
  adapter.addAll("a", new Set(["red"]));
  events.length = 0;
  adapter.del("a", "a");
  assert.deepEqual(state(), { rooms: { red: ["a"] }, sids: { a: ["red"] } });
  assert.deepEqual(events, ["leave-room a a", "delete-room a "]);
});

test("leaving its own room while the set is still shared", () => {
  const { adapter, events, state } = adapterWithEvents();
  adapter.addAll("a", new Set(["a"]));
  events.length = 0;
  adapter.del("a", "a");
  assert.deepEqual(state(), { rooms: {}, sids: { a: [] } });
  assert.deepEqual(events, ["leave-room a a", "delete-room a "]);
});

test("delAll with the set still shared removes both, with events", () => {
  const { adapter, events, state } = adapterWithEvents();
  adapter.addAll("a", new Set(["a"]));
  adapter.addAll("b", new Set(["b"]));
  events.length = 0;
  adapter.delAll("a");
  assert.deepEqual(state(), { rooms: { b: ["b"] }, sids: { b: ["b"] } });
  assert.deepEqual(events, ["leave-room a a", "delete-room a "]);
});
