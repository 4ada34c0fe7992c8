/**
 * Connection state recovery on any node, end to end: 3 Switchboard node processes on
 * @switchboard/redis-streams-adapter behind switchboard-cluster.conf (see recovery-scenario.ts).
 */
import { recoveryScenario } from "./recovery-scenario.ts";

recoveryScenario(
  "200 clients, numbered room broadcasts from every node; one node killed, another stopped: every client of theirs recovered elsewhere, every number once, in order, no gap",
  {
    nodes: [
      { tag: "n1", kind: "switchboard" },
      { tag: "n2", kind: "switchboard" },
      { tag: "n3", kind: "switchboard" },
    ],
    killed: "n3",
    stopped: "n2",
  },
);
