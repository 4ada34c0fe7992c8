/**
 * A tiny scripted server for this project's own transports (sse, jsonp, htmlfile), speaking the
 * wire design of DESIGN.md "Wire protocol", for tests that need to see every engine packet a
 * client sends and to answer in ways a real server never would. It keeps one Engine.IO
 * session per sid and a minimal Socket.IO layer for the main namespace: CONNECT is answered,
 * `echo` events are acknowledged with their arguments, and right after CONNECT the server sends
 * `hello` and a binary event. Every engine packet it receives is recorded as its wire string.
 */
import { EventEmitter, once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { decodeEnginePayload, encodeEnginePacket } from "@switchboard/protocol";
import { WebSocketServer } from "ws";

/** The global of the JSONP answers and the key of htmlfile messages. */
const GLOBAL = "___sb";

interface Session {
  id: string;
  transport: string;
  queue: string[];
  /** The answer to a poll that comes after the noop of an upgrade. */
  repoll?: () => string;
  /** Called when the client emits the event of that name (no arguments). */
  hooks: Record<string, () => void>;
  /** Whether a poll or stream is open. */
  downOpen: boolean;
  /** Sends what is queued, when the transport can. */
  flush(): void;
  /** Ends the down channel. */
  end(): void;
}

/** The fake. Call {@link FakeEngine.handle} for every request under `path`. */
export class FakeEngine extends EventEmitter<{ packet: [wire: string]; closing: [entry: string] }> {
  readonly path: string;
  /** Engine packets received from clients, as wire strings (binary as `b` + base64). */
  readonly received: string[] = [];
  /** Transports this fake refuses with 400, as a server that does not know them would. */
  refuse = new Set<string>();
  /** What the handshake offers as upgrades (the fake can upgrade sse sessions to websocket). */
  upgrades: string[] = [];
  /** What happened during upgrades, in order: "noop sent", "3probe sent", "5 received". */
  readonly upgradeLog: string[] = [];
  /** Packets to send in the middle of an upgrade (after the probe, before "5"). */
  duringUpgrade: string[] = [];
  /**
   * Upgrade scripts: "noop first" (default) writes the noop then answers the probe;
   * "noop after" answers the probe and writes the noop at {@link endUpgradeStream} (a test
   * calls it once the client read `3probe`); "noop, then probe after ready": once the client
   * emits `ready`, writes `42["before","probe"]` and the noop in one batch, and answers the
   * probe only once the client emitted `read` (so the client has read the noop before
   * `3probe`); "fail": once the client emits `ready`, answers the probe, then closes the
   * WebSocket without ending the old down channel.
   */
  upgradeScript: "noop first" | "noop after" | "noop, then probe after ready" | "fail" =
    "noop first";
  /** Under "noop after", once the probe was answered: writes the old down channel's noop. */
  endUpgradeStream: () => void = () => {};
  /** Close the session (close packet) when the client sends CONNECT. */
  closeOnConnect = false;
  /** Per sid, whether a poll or stream was open when the client's close packet arrived. */
  readonly downOpenAtClose: boolean[] = [];
  /**
   * What the fake saw around a client's close, in order: "close POST answered" (it answered the
   * POST that carried the close packet) and "down aborted" (the client ended a poll or stream
   * that the fake had not ended). Each entry is also emitted as `closing`.
   */
  readonly closeLog: string[] = [];
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #sessions = new Map<string, Session>();
  #ids = 0;

  #logClosing(entry: string): void {
    this.closeLog.push(entry);
    this.emit("closing", entry);
  }

  constructor(path = "/fake/") {
    super();
    this.path = path;
  }

  /** Ends every open down channel. */
  close(): void {
    for (const s of this.#sessions.values()) s.end();
    this.#sessions.clear();
    for (const client of this.#wss.clients) client.terminate();
    this.#wss.close();
  }

  /**
   * Handles a WebSocket upgrade of an existing session (probe, then `5`); returns false when
   * the request is not ours.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(req.url ?? "/", "http://x");
    if (!url.pathname.startsWith(this.path)) return false;
    const session = this.#sessions.get(url.searchParams.get("sid") ?? "");
    if (!session) {
      socket.destroy();
      return true;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on("message", (data: Buffer, isBinary: boolean) => {
        const wire = isBinary ? `b${data.toString("base64")}` : data.toString();
        this.received.push(wire);
        this.emit("packet", wire);
        if (wire === "2probe") {
          // As Engine.IO does with a pending poll: end the old down channel's delivery with a
          // noop, then write nothing more there until the client switches (a poll that still
          // comes is logged and answered with a noop, as Engine.IO does).
          const endStream = (before: string[] = []) => {
            session.queue.push(...before, "6");
            session.flush();
            this.upgradeLog.push("noop sent");
            session.flush = () => {};
            session.repoll = () => {
              this.upgradeLog.push("poll after noop");
              return "6";
            };
          };
          const answerProbe = () => {
            ws.send("3probe");
            this.upgradeLog.push("3probe sent");
            session.queue.push(...this.duringUpgrade);
          };
          const script = this.upgradeScript;
          if (script === "noop first") {
            endStream();
            answerProbe();
          } else if (script === "noop after") {
            answerProbe();
            this.endUpgradeStream = () => endStream();
          } else if (script === "fail") {
            session.hooks.ready = () => {
              answerProbe();
              ws.close();
              this.upgradeLog.push("probe closed");
            };
          } else {
            session.hooks.ready = () => endStream(['42["before","probe"]']);
            session.hooks.read = answerProbe;
          }
        } else if (wire === "5") {
          this.upgradeLog.push("5 received");
          session.transport = "websocket";
          session.flush = () => {
            for (const packet of session.queue.splice(0)) ws.send(packet);
          };
          session.flush();
        } else if (wire.startsWith("4")) {
          this.#onMessage(session, wire.slice(1));
        }
      });
    });
    return true;
  }

  /** Handles a request if it is under `path`; returns false otherwise. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? "/", "http://x");
    if (!url.pathname.startsWith(this.path)) return false;
    const q = url.searchParams;
    const transport = q.get("transport") ?? "";
    const sid = q.get("sid");
    if (q.get("EIO") !== "4" || this.refuse.has(transport)) {
      res.writeHead(400, { "content-type": "application/json" });
      res.end('{"code":0,"message":"Transport unknown"}');
      return true;
    }
    if (req.method === "POST") {
      const session = sid ? this.#sessions.get(sid) : undefined;
      if (!session) return bad(res);
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => {
        body += chunk;
      });
      req.on("end", () => {
        res.writeHead(200, { "content-type": "text/plain" }).end("ok");
        if (body.split("\x1e").includes("1")) this.#logClosing("close POST answered");
        for (const packet of decodeEnginePayload(body)) {
          const wire = encodeEnginePacket(packet, false) as string;
          this.received.push(wire);
          if (packet.type === "close") this.downOpenAtClose.push(session.downOpen);
          this.emit("packet", wire);
          if (packet.type === "message") this.#onMessage(session, wire.slice(1));
        }
      });
      return true;
    }
    if (sid) {
      const session = this.#sessions.get(sid);
      if (session?.transport === "jsonp") this.#jsonpPoll(session, res, q.get("j") ?? "");
      else if (session?.transport === "polling") this.#poll(session, res);
      else return bad(res);
      return true;
    }
    const id = `fake${this.#ids++}`;
    const open = `0${JSON.stringify({
      sid: id,
      upgrades: this.upgrades,
      pingInterval: 25000,
      pingTimeout: 20000,
      maxPayload: 1000000,
    })}`;
    const session: Session = {
      id,
      transport,
      queue: [open],
      flush: () => {},
      end: () => {},
      downOpen: false,
      hooks: {},
    };
    this.#sessions.set(id, session);
    if (transport === "sse") this.#sse(session, res);
    else if (transport === "htmlfile") this.#htmlfile(session, res, q.get("j"), q.get("o"));
    else if (transport === "jsonp") this.#jsonpPoll(session, res, q.get("j") ?? "");
    else if (transport === "polling") this.#poll(session, res);
    else return bad(res);
    return true;
  }

  #send(session: Session, ...packets: string[]): void {
    session.queue.push(...packets);
    session.flush();
  }

  /** The minimal Socket.IO layer (main namespace only). */
  #onMessage(session: Session, text: string): void {
    if (text.startsWith("0") && this.closeOnConnect) {
      this.#send(session, "1");
      return;
    }
    const hook = /^2\["(\w+)"\]$/.exec(text);
    if (hook) session.hooks[hook[1]!]?.();
    // A bare engine message (no Socket.IO) with carriage returns in it.
    if (text === "cr") this.#send(session, "4a\rb\r\nc\nd");
    if (text.startsWith("0")) {
      this.#send(session, `40{"sid":"S-${session.id}"}`);
      this.#send(
        session,
        '42["hello","world"]',
        '451-["bin",{"_placeholder":true,"num":0}]',
        "bAQID",
      );
      return;
    }
    const echo = /^2(\d+)\["echo",(.*)\]$/.exec(text);
    if (echo) this.#send(session, `43${echo[1]}[${echo[2]}]`);
  }

  #sse(session: Session, res: ServerResponse): void {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store" });
    session.flush = () => {
      for (const packet of session.queue.splice(0)) {
        // A packet with a "\r" goes as an event named "j" whose data is its JSON string.
        res.write(
          packet.includes("\r")
            ? `event: j\ndata: ${JSON.stringify(packet)}\n\n`
            : `data: ${packet}\n\n`,
        );
      }
    };
    session.end = () => res.end();
    session.downOpen = true;
    res.on("close", () => {
      session.downOpen = false;
      if (!res.writableEnded) this.#logClosing("down aborted");
    });
    session.flush();
  }

  #htmlfile(session: Session, res: ServerResponse, j: string | null, origin: string | null): void {
    res.writeHead(200, { "content-type": "text/html" });
    res.write("<!doctype html><html><body>");
    session.flush = () => {
      if (session.queue.length === 0) return;
      const message = JSON.stringify({
        [GLOBAL]: Number(j),
        d: session.queue.splice(0).join("\x1e"),
      });
      res.write(`<script>parent.postMessage(${message}, ${JSON.stringify(origin)})</script>`);
    };
    session.end = () => res.end("</body></html>");
    session.flush();
  }

  /** A long poll (`transport=polling`): held until packets are queued. */
  #poll(session: Session, res: ServerResponse): void {
    const answer = (payload: string) => {
      session.downOpen = false;
      res.writeHead(200, { "content-type": "text/plain; charset=UTF-8" }).end(payload);
    };
    if (session.repoll) {
      answer(session.repoll());
      return;
    }
    session.downOpen = true;
    res.on("close", () => {
      session.downOpen = false;
      if (!res.writableEnded) this.#logClosing("down aborted");
    });
    session.flush = () => {
      if (session.queue.length === 0) return;
      session.flush = () => {};
      answer(session.queue.splice(0).join("\x1e"));
    };
    session.end = () => res.destroy();
    session.flush();
  }

  #jsonpPoll(session: Session, res: ServerResponse, j: string): void {
    if (!/^\d+$/.test(j)) return void bad(res);
    session.flush = () => {
      if (session.queue.length === 0) return;
      session.flush = () => {};
      const payload = JSON.stringify(session.queue.splice(0).join("\x1e"));
      res.writeHead(200, {
        "content-type": "application/javascript",
        "x-content-type-options": "nosniff",
      });
      res.end(`${GLOBAL}[${j}](${payload});`);
    };
    session.end = () => res.destroy();
    session.flush();
  }
}

function bad(res: ServerResponse): true {
  res.writeHead(400).end();
  return true;
}

/** Resolves once the fake has received the engine packet `wire`. */
export function received(fake: FakeEngine, wire: string): Promise<void> {
  if (fake.received.includes(wire)) return Promise.resolve();
  return new Promise((resolve) => {
    const check = (got: string) => {
      if (got !== wire) return;
      fake.off("packet", check);
      resolve();
    };
    fake.on("packet", check);
  });
}

/** A fake engine on an HTTP server of its own (127.0.0.1, a free port), WebSocket upgrades included. */
export async function startFake(): Promise<{
  fake: FakeEngine;
  http: Server;
  url: string;
  close(): Promise<void>;
}> {
  const fake = new FakeEngine();
  const http = createServer((req, res) => {
    if (!fake.handle(req, res)) res.writeHead(404).end();
  });
  http.on("upgrade", (req, socket, head) => fake.handleUpgrade(req, socket, head));
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  return {
    fake,
    http,
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    close: async () => {
      fake.close();
      http.closeAllConnections();
      http.close();
      await once(http, "close");
    },
  };
}
