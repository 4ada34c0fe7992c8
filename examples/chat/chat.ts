/**
 * The chat's server-side rules: who may join which room under which nickname, what a message
 * may contain, who is typing, who is present. Everything a client sends is `unknown` until a
 * check below has accepted it; anything refused is answered through the ack with a reason.
 */
import type { RateLimitOptions, Server, Socket } from "@switchboard/server";
import { type HistoryStore, memoryHistory } from "./history.ts";

/** Limits the server enforces (the page enforces the same, for comfort only). */
export const LIMITS = Object.freeze({
  nickMax: 24,
  roomMax: 32,
  messageMax: 500,
  /** Messages kept per room, shown to whoever joins. */
  history: 50,
  /** Burst of messages a socket may send before it is slowed down… */
  burst: 8,
  /** …and the rate (messages per second) at which its allowance refills. */
  perSecond: 2,
});

/** One chat line as every client receives it. */
export interface ChatMessage {
  id: number;
  /** The sender's nickname, for display: two people in a room may share one. */
  from: string;
  /** The sender's connection (socket id): how a page tells its own messages from others'. */
  sender: string;
  text: string;
  at: number;
}

/** A person in a room, as listed by the presence panel. */
export interface Member {
  id: string;
  nick: string;
}

/** The answer to a `join`. */
export type JoinReply =
  | { ok: true; nick: string; room: string; members: Member[]; history: ChatMessage[] }
  | { ok: false; error: string };

/** The answer to a `message`. */
export type SendReply = { ok: true } | { ok: false; error: string };

/** Events the page sends. */
export interface ClientToServer {
  join(request: unknown, ack: (reply: JoinReply) => void): void;
  message(text: unknown, ack: (reply: SendReply) => void): void;
  typing(active: unknown): void;
  leave(): void;
}

/** Events the server sends. `typing` names who by connection id and nickname. */
export interface ServerToClient {
  /** Sent on connection by a node of a cluster: its tag, for the page to show. */
  node(tag: string): void;
  message(message: ChatMessage): void;
  notice(text: string, at: number): void;
  presence(members: Member[]): void;
  typing(who: Member, active: boolean): void;
}

/** What the server remembers about each socket. */
export interface ChatData {
  nick?: string;
  room?: string;
}

/**
 * The server's built-in rate limit, as the chat sets it: messages get their own bucket (the
 * burst and rate of {@link LIMITS}); everything a page sends shares a looser one. A message
 * past its bucket is dropped by the server before it reaches the chat, and the page hears of
 * it (the "rate limit" event).
 */
export const RATE_LIMIT: RateLimitOptions = Object.freeze({
  packetsPerSecond: 20,
  burst: 40,
  events: Object.freeze({
    message: Object.freeze({ packetsPerSecond: LIMITS.perSecond, burst: LIMITS.burst }),
  }),
});

/** The server as the chat types it. */
export type ChatServer = Server<ClientToServer, ServerToClient, Record<string, never>, ChatData>;
type ChatSocket = Socket<ClientToServer, ServerToClient, Record<string, never>, ChatData>;

// Control characters, bidi overrides and zero-width characters have no place in a name.
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting them is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/;
const ROOM = /^[\p{L}\p{N}_-]+$/u;

/** Checks a nickname: a string, 1–24 printable characters once trimmed. */
export function checkNick(value: unknown): { nick: string } | { error: string } {
  if (typeof value !== "string") return { error: "nickname must be text" };
  const nick = value.trim().replace(/\s+/g, " ");
  if (nick.length === 0) return { error: "nickname is empty" };
  if ([...nick].length > LIMITS.nickMax) {
    return { error: `nickname is longer than ${LIMITS.nickMax} characters` };
  }
  if (UNPRINTABLE.test(nick)) return { error: "nickname has unprintable characters" };
  return { nick };
}

/** Checks a room name: 1–32 letters, digits, `-` or `_`; rooms are case-insensitive. */
export function checkRoom(value: unknown): { room: string } | { error: string } {
  if (typeof value !== "string") return { error: "room must be text" };
  const room = value.trim().toLowerCase();
  if (room.length === 0) return { error: "room is empty" };
  if ([...room].length > LIMITS.roomMax) {
    return { error: `room name is longer than ${LIMITS.roomMax} characters` };
  }
  if (!ROOM.test(room)) return { error: "room names use letters, digits, - and _ only" };
  return { room };
}

/** Checks a message: a string, 1–500 characters once trimmed. */
export function checkMessage(value: unknown): { text: string } | { error: string } {
  if (typeof value !== "string") return { error: "message must be text" };
  const text = value.trim();
  if (text.length === 0) return { error: "message is empty" };
  if ([...text].length > LIMITS.messageMax) {
    return { error: `message is longer than ${LIMITS.messageMax} characters` };
  }
  return { text };
}

/** Options of {@link installChat}. */
export interface InstallOptions {
  /** Where rooms' histories are kept. @default memoryHistory(LIMITS.history) (this process) */
  history?: HistoryStore;
  /** The node's tag, sent to every page on connection (a cluster). @default undefined (none) */
  node?: string;
}

/**
 * What the page is told when the rest of a cluster does not answer (Redis down, a node gone
 * quiet): cross-node calls fail after the adapter's `requestsTimeout`.
 */
const CLUSTER_DOWN = "the server could not reach the rest of the chat; try again";

/** Installs the chat on `io`'s main namespace. */
export function installChat(io: ChatServer, options: InstallOptions = {}): void {
  const history = options.history ?? memoryHistory(LIMITS.history);
  const report = (what: string) => (err: unknown) =>
    console.error(`chat: ${what}: ${err instanceof Error ? err.message : String(err)}`);

  async function members(room: string): Promise<Member[]> {
    const sockets = await io.in(room).fetchSockets();
    return sockets
      .filter((s) => s.data.room === room && s.data.nick !== undefined)
      .map((s) => ({ id: s.id, nick: s.data.nick ?? "" }))
      .sort((a, b) => a.nick.localeCompare(b.nick));
  }

  async function leaveRoom(socket: ChatSocket): Promise<void> {
    const { room, nick } = socket.data;
    if (room === undefined) return;
    socket.data.room = undefined;
    socket.leave(room);
    socket.to(room).emit("typing", { id: socket.id, nick: nick ?? "" }, false);
    io.to(room).emit("notice", `${nick} left`, Date.now());
    const list = await members(room);
    io.to(room).emit("presence", list);
    // A room's history goes with its last member, so memory follows live rooms only.
    if (list.length === 0) await history.drop(room);
  }

  io.on("connection", (socket) => {
    socket.data = {};
    if (options.node !== undefined) socket.emit("node", options.node);

    socket.on("join", async (request, ack) => {
      if (typeof ack !== "function") return;
      const fields = typeof request === "object" && request !== null ? request : {};
      const nick = checkNick((fields as { nick?: unknown }).nick);
      if ("error" in nick) return ack({ ok: false, error: nick.error });
      const room = checkRoom((fields as { room?: unknown }).room);
      if ("error" in room) return ack({ ok: false, error: room.error });
      try {
        if (socket.data.room !== undefined) await leaveRoom(socket);
        socket.data.nick = nick.nick;
        socket.data.room = room.room;
        socket.join(room.room);
        socket.to(room.room).emit("notice", `${nick.nick} joined`, Date.now());
        const list = await members(room.room);
        socket.to(room.room).emit("presence", list);
        const kept = await history.list(room.room);
        ack({ ok: true, nick: nick.nick, room: room.room, members: list, history: kept });
      } catch (err) {
        report("join")(err);
        ack({ ok: false, error: CLUSTER_DOWN });
      }
    });

    socket.on("message", async (raw, ack) => {
      const reply = typeof ack === "function" ? ack : () => {};
      const { room, nick } = socket.data;
      if (room === undefined || nick === undefined) {
        return reply({ ok: false, error: "join a room first" });
      }
      const checked = checkMessage(raw);
      if ("error" in checked) return reply({ ok: false, error: checked.error });
      const draft = { from: nick, sender: socket.id, text: checked.text, at: Date.now() };
      let message: ChatMessage;
      try {
        message = await history.add(room, draft);
      } catch (err) {
        report("message")(err);
        return reply({ ok: false, error: CLUSTER_DOWN });
      }
      io.to(room).emit("message", message);
      reply({ ok: true });
    });

    socket.on("typing", (active) => {
      const { room, nick } = socket.data;
      if (room === undefined || nick === undefined) return;
      socket.to(room).volatile.emit("typing", { id: socket.id, nick }, active === true);
    });

    socket.on("leave", () => {
      leaveRoom(socket).catch(report("leave"));
    });

    socket.on("disconnect", () => {
      leaveRoom(socket).catch(report("leave"));
    });
  });
}
