import { once } from "node:events";
import WebSocket from "ws";
const port = process.argv[2];
let got = 0;
for (let i = 0; i < 20; i++) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`);
  await once(ws, "message");
  ws.send("40");
  await once(ws, "message");
  const r = await Promise.race([once(ws, "message").then(([d]) => String(d)), new Promise((r) => setTimeout(() => r("none"), 200))]);
  if (r !== "none") got++;
  ws.close();
}
console.log(got);
