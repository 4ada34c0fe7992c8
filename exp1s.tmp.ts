import { once } from "node:events";
import { execFileSync } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server as SIO } from "socket.io";
import { Server as SB } from "@switchboard/server";
for (const kind of ["sio", "sb"]) {
  const http = createServer();
  const io: any = kind === "sio" ? new SIO(http) : new SB(http);
  io.on("connection", (s: any) => s.emit("welcome", 1));
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  const { port } = http.address() as AddressInfo;
  const { spawn } = await import("node:child_process");
  const child = spawn(process.execPath, ["exp1c.tmp.mjs", String(port)], { stdio: ["ignore", "pipe", "inherit"] });
  let out = ""; child.stdout.on("data", (d) => (out += d));
  await once(child, "exit");
  console.log(kind, out.trim(), "/20");
  io.close(); http.closeAllConnections();
}
