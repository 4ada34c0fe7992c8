/**
 * Connection state recovery across a rolling migration, end to end: two Switchboard nodes on
 * @switchboard/redis-streams-adapter and one Socket.IO 4.8 node on
 * @socket.io/redis-streams-adapter 0.3 (its session ids tagged through its engine's
 * `generateId`, so that switchboard-cluster.conf routes them too), one redis-server. A
 * Switchboard node is killed: its clients recover on the Socket.IO node and on the other
 * Switchboard node; then the Socket.IO node is stopped (Socket.IO persists sessions only when
 * it sees the disconnect, so a Socket.IO node has to stop, not die, for its clients to recover):
 * its clients, those that came from the killed node among them, recover on the Switchboard
 * node. Around a restore by or from the Socket.IO node a packet may be lost or doubled
 * (Socket.IO's own, see assertEveryNumberOnce); everywhere else each is checked exact. See
 * recovery-scenario.ts.
 */
import assert from "node:assert/strict";
import { recoveryScenario } from "./recovery-scenario.ts";

recoveryScenario(
  "mixed cluster: clients move from a killed Switchboard node to Socket.IO and on to Switchboard, recovered each time, every number once, in order, no gap",
  {
    nodes: [
      { tag: "n1", kind: "switchboard" },
      { tag: "n2", kind: "switchboard" },
      { tag: "n3", kind: "socket.io" },
    ],
    killed: "n1",
    stopped: "n3",
    moved(_tracker, killedClients) {
      const via = (c: (typeof killedClients)[number]) => c.welcomes.map((w) => w.tag).join(">");
      const paths = new Set(killedClients.map(via));
      assert.ok(paths.has("n1>n3>n2"), `a client went Switchboard > Socket.IO > Switchboard`);
      assert.ok(paths.has("n1>n2"), `a client went Switchboard > Switchboard`);
    },
  },
);
