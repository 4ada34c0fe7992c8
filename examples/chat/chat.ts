/**
 * The chat's server-side rules: who may join which room under which nickname, what a message
 * may contain, who is typing, who is present. Everything a client sends is `unknown` until a
 * check below has accepted it; anything refused is answered through the ack with a reason.
 */
import type { RateLimitOptions, Server, Socket } from "@switchboard/server";

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

/** Installs the chat on `io`'s main namespace. */
export function installChat(io: ChatServer): void {
  const history = new Map<string, ChatMessage[]>();
  let nextId = 1;

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
    if (list.length === 0) history.delete(room);
  }

  io.on("connection", (socket) => {
    socket.data = {};

    socket.on("join", async (request, ack) => {
      if (typeof ack !== "function") return;
      const fields = typeof request === "object" && request !== null ? request : {};
      const nick = checkNick((fields as { nick?: unknown }).nick);
      if ("error" in nick) return ack({ ok: false, error: nick.error });
      const room = checkRoom((fields as { room?: unknown }).room);
      if ("error" in room) return ack({ ok: false, error: room.error });
      if (socket.data.room !== undefined) await leaveRoom(socket);
      socket.data.nick = nick.nick;
      socket.data.room = room.room;
      socket.join(room.room);
      socket.to(room.room).emit("notice", `${nick.nick} joined`, Date.now());
      const list = await members(room.room);
      socket.to(room.room).emit("presence", list);
      ack({
        ok: true,
        nick: nick.nick,
        room: room.room,
        members: list,
        history: history.get(room.room) ?? [],
      });
    });

    socket.on("message", (raw, ack) => {
      const reply = typeof ack === "function" ? ack : () => {};
      const { room, nick } = socket.data;
      if (room === undefined || nick === undefined) {
        return reply({ ok: false, error: "join a room first" });
      }
      const checked = checkMessage(raw);
      if ("error" in checked) return reply({ ok: false, error: checked.error });
      const message: ChatMessage = {
        id: nextId++,
        from: nick,
        sender: socket.id,
        text: checked.text,
        at: Date.now(),
      };
      const kept = history.get(room) ?? [];
      kept.push(message);
      if (kept.length > LIMITS.history) kept.shift();
      history.set(room, kept);
      io.to(room).emit("message", message);
      reply({ ok: true });
    });

    socket.on("typing", (active) => {
      const { room, nick } = socket.data;
      if (room === undefined || nick === undefined) return;
      socket.to(room).volatile.emit("typing", { id: socket.id, nick }, active === true);
    });

    socket.on("leave", () => {
      void leaveRoom(socket);
    });

    socket.on("disconnect", () => {
      void leaveRoom(socket);
    });
  });
}
