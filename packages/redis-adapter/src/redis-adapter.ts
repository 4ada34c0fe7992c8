/**
 * The Redis pub/sub adapter, speaking the wire format of `@socket.io/redis-adapter` 8:
 *
 * - broadcasts: `parser.encode([uid, packet, {rooms, except, flags}])` on `<key>#<nsp>#`, or on
 *   `<key>#<nsp>#<room>#` when sent to one room; every server pattern-subscribes `<key>#<nsp>#*`
 *   (which is also how `@socket.io/redis-emitter` reaches it);
 * - requests on `<key>-request#<nsp>#` as JSON `{uid, type, requestId?, ...}` (a broadcast with
 *   acks: `parser.encode(...)`, it may carry binary), with Socket.IO's request type numbers;
 * - responses on `<key>-response#<nsp>#` (or `<key>-response#<nsp>#<uid>#`), JSON without the
 *   responder's id (a broadcast ack: `parser.encode(...)`);
 * - the number of servers is `PUBSUB NUMSUB` of the request channel.
 *
 * The ClusterAdapter base does the rest; this class only translates its messages to and from
 * that format.
 */
import {
  type AdapterNamespace,
  type AdapterSocket,
  ClusterAdapter,
  type ClusterMessage,
  type ClusterResponse,
  checkClusterMessage,
  type EncodedBroadcastOptions,
  ClusterMessageType as M,
} from "@switchboard/server";
import {
  type Bus,
  busOf,
  countWithin,
  type MessageListener,
  type RedisClient,
  watchClients,
} from "./clients.js";
import { payload, type ResolvedRedisOptions } from "./options.js";

/** Socket.IO's request types on the request channel. */
export const RequestType = {
  SOCKETS: 0,
  ALL_ROOMS: 1,
  REMOTE_JOIN: 2,
  REMOTE_LEAVE: 3,
  REMOTE_DISCONNECT: 4,
  REMOTE_FETCH: 5,
  SERVER_SIDE_EMIT: 6,
  BROADCAST: 7,
  BROADCAST_CLIENT_COUNT: 8,
  BROADCAST_ACK: 9,
} as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
const JSON_START = 0x7b; // "{": requests and responses are JSON unless they start otherwise

/** Room options of a request (no flags): what Socket.IO sends for room operations. */
function roomsOnly(opts: EncodedBroadcastOptions): { rooms: string[]; except: string[] } {
  return { rooms: opts.rooms, except: opts.except };
}

/** A Redis pub/sub adapter for one namespace. */
export class RedisAdapter extends ClusterAdapter {
  readonly #pub: Bus;
  readonly #sub: Bus;
  readonly #opts: ResolvedRedisOptions;
  readonly #channel: string;
  readonly #requestChannel: string;
  readonly #responseChannel: string;
  readonly #specificResponseChannel: string;
  readonly #onBroadcast: MessageListener = (message, channel) =>
    this.#broadcastIn(message, channel);
  readonly #onRequest: MessageListener = (message, channel) => this.#requestIn(message, channel);
  #unwatch: () => void = () => {};

  constructor(
    nsp: AdapterNamespace,
    pubClient: RedisClient,
    subClient: RedisClient,
    opts: ResolvedRedisOptions,
  ) {
    super(nsp, { requestsTimeout: opts.requestsTimeout });
    this.#pub = busOf(pubClient);
    this.#sub = busOf(subClient);
    this.#opts = opts;
    this.#channel = `${opts.key}#${nsp.name}#`;
    this.#requestChannel = `${opts.key}-request#${nsp.name}#`;
    this.#responseChannel = `${opts.key}-response#${nsp.name}#`;
    this.#specificResponseChannel = `${this.#responseChannel}${this.uid}#`;
  }

  override init(): void {
    const health = {
      busError: (e: Error) => this.busError(e),
      busRecovered: () => this.busRecovered(),
    };
    this.#unwatch = watchClients([this.#pub, this.#sub], health);
    const subscribed = [
      this.#sub.subscribe("pattern", `${this.#channel}*`, this.#onBroadcast),
      ...[this.#requestChannel, this.#responseChannel, this.#specificResponseChannel].map((c) =>
        this.#sub.subscribe("channel", c, this.#onRequest),
      ),
    ];
    for (const s of subscribed) s.catch((err: Error) => this.busError(err));
    super.init();
  }

  override close(): void {
    super.close();
    this.#unwatch();
    const done = [
      this.#sub.unsubscribe("pattern", `${this.#channel}*`, this.#onBroadcast),
      ...[this.#requestChannel, this.#responseChannel, this.#specificResponseChannel].map((c) =>
        this.#sub.unsubscribe("channel", c, this.#onRequest),
      ),
    ];
    for (const d of done) d.catch(() => {});
  }

  /** `PUBSUB NUMSUB` of the request channel; fails after `requestsTimeout` if Redis is away. */
  override serverCount(): Promise<number> {
    return countWithin(this.#pub.numsub("channel", this.#requestChannel), this.requestsTimeout);
  }

  protected override async responders(): Promise<number> {
    return (await this.#pub.numsub("channel", this.#requestChannel)) - 1;
  }

  // -- out ----------------------------------------------------------------------------------

  protected override doPublish(message: ClusterMessage): Promise<void> {
    const uid = message.uid;
    switch (message.type) {
      case M.BROADCAST: {
        const { packet, opts, requestId } = message.data;
        if (requestId === undefined) {
          const room = opts.rooms.length === 1 ? `${opts.rooms[0]}#` : "";
          const encoded = this.#opts.parser.encode([uid, packet, opts]);
          return this.#pub.publish("channel", this.#channel + room, payload(encoded));
        }
        const type = RequestType.BROADCAST;
        const encoded = this.#opts.parser.encode({ uid, requestId, type, packet, opts });
        return this.#pub.publish("channel", this.#requestChannel, payload(encoded));
      }
      case M.SOCKETS_JOIN:
      case M.SOCKETS_LEAVE: {
        const type =
          message.type === M.SOCKETS_JOIN ? RequestType.REMOTE_JOIN : RequestType.REMOTE_LEAVE;
        return this.#request({
          uid,
          type,
          opts: roomsOnly(message.data.opts),
          rooms: message.data.rooms,
        });
      }
      case M.DISCONNECT_SOCKETS: {
        const { opts, close } = message.data;
        return this.#request({
          uid,
          type: RequestType.REMOTE_DISCONNECT,
          opts: roomsOnly(opts),
          close,
        });
      }
      case M.FETCH_SOCKETS: {
        const { opts, requestId } = message.data;
        return this.#request({
          uid,
          requestId,
          type: RequestType.REMOTE_FETCH,
          opts: roomsOnly(opts),
        });
      }
      case M.SERVER_SIDE_EMIT: {
        const { packet, requestId } = message.data;
        return this.#request({ uid, requestId, type: RequestType.SERVER_SIDE_EMIT, data: packet });
      }
      default:
        // Heartbeats and close notices have no form in this wire format: NUMSUB counts servers.
        return Promise.resolve();
    }
  }

  protected override doPublishResponse(
    requesterUid: string,
    response: ClusterResponse,
  ): Promise<void> {
    const { requestId } = response.data;
    switch (response.type) {
      case M.FETCH_SOCKETS_RESPONSE:
        return this.#respond(
          requesterUid,
          JSON.stringify({ requestId, sockets: response.data.sockets }),
        );
      case M.SERVER_SIDE_EMIT_RESPONSE: {
        const type = RequestType.SERVER_SIDE_EMIT;
        return this.#respond(
          requesterUid,
          JSON.stringify({ type, requestId, data: response.data.packet }),
        );
      }
      case M.BROADCAST_CLIENT_COUNT: {
        const { clientCount } = response.data;
        const type = RequestType.BROADCAST_CLIENT_COUNT;
        return this.#respond(requesterUid, JSON.stringify({ type, requestId, clientCount }));
      }
      case M.BROADCAST_ACK: {
        const type = RequestType.BROADCAST_ACK;
        const encoded = this.#opts.parser.encode({ type, requestId, packet: response.data.packet });
        return this.#respond(requesterUid, payload(encoded));
      }
    }
  }

  #request(request: Record<string, unknown>): Promise<void> {
    return this.#pub.publish("channel", this.#requestChannel, JSON.stringify(request));
  }

  #respond(requesterUid: string | undefined, body: string | Buffer): Promise<void> {
    const channel =
      this.#opts.publishOnSpecificResponseChannel && requesterUid
        ? `${this.#responseChannel}${requesterUid}#`
        : this.#responseChannel;
    return this.#pub.publish("channel", channel, body);
  }

  // -- in -----------------------------------------------------------------------------------

  #decode(message: Buffer): unknown {
    try {
      return message[0] === JSON_START
        ? JSON.parse(message.toString())
        : this.#opts.parser.decode(message);
    } catch {
      return undefined; // not ours, or corrupt: ignored
    }
  }

  #broadcastIn(message: Buffer, channel: string): void {
    if (!channel.startsWith(this.#channel)) return;
    const room = channel.slice(this.#channel.length, -1);
    // A broadcast to one room travels on that room's channel: skip rooms with no member here.
    if (room !== "" && !this.rooms.has(room)) return;
    let decoded: unknown;
    try {
      decoded = this.#opts.parser.decode(message);
    } catch {
      return;
    }
    if (!Array.isArray(decoded)) return;
    const [uid, packet, opts] = decoded as unknown[];
    if (!isObject(packet)) return;
    packet.nsp ??= "/";
    if (packet.nsp !== this.nsp.name) return;
    const checked = checkClusterMessage({
      type: M.BROADCAST,
      uid: String(uid),
      nsp: this.nsp.name,
      data: { packet, opts },
    });
    if (checked) this.onMessage(checked);
  }

  #requestIn(message: Buffer, channel: string): void {
    const body = this.#decode(message);
    if (!isObject(body)) return;
    if (channel.startsWith(this.#responseChannel)) this.#responseIn(body);
    else if (channel === this.#requestChannel) this.#dispatchRequest(body);
  }

  #dispatchRequest(req: Record<string, unknown>): void {
    const uid = typeof req.uid === "string" ? req.uid : "";
    if (uid === this.uid) return;
    const nsp = this.nsp.name;
    const requestId = req.requestId;
    const legacy = (op: (socket: AdapterSocket) => void) => {
      // Socket.IO's older single-socket form: {sid, room}; answered with {requestId}
      const socket = typeof req.sid === "string" ? this.nsp.sockets.get(req.sid) : undefined;
      if (!socket) return;
      op(socket);
      void this.#respond(uid, JSON.stringify({ requestId })).catch(() => {});
    };
    const room = String(req.room);
    let message: unknown;
    switch (req.type) {
      case RequestType.SOCKETS:
        void this.sockets(new Set(Array.isArray(req.rooms) ? (req.rooms as string[]) : [])).then(
          (ids) =>
            this.#respond(uid, JSON.stringify({ requestId, sockets: [...ids] })).catch(() => {}),
        );
        return;
      case RequestType.ALL_ROOMS:
        void this.#respond(uid, JSON.stringify({ requestId, rooms: [...this.rooms.keys()] })).catch(
          () => {},
        );
        return;
      case RequestType.REMOTE_JOIN:
        if (!req.opts) {
          legacy((s) => s.join(room));
          return;
        }
        message = { type: M.SOCKETS_JOIN, uid, nsp, data: { opts: req.opts, rooms: req.rooms } };
        break;
      case RequestType.REMOTE_LEAVE:
        if (!req.opts) {
          legacy((s) => s.leave(room));
          return;
        }
        message = { type: M.SOCKETS_LEAVE, uid, nsp, data: { opts: req.opts, rooms: req.rooms } };
        break;
      case RequestType.REMOTE_DISCONNECT:
        if (!req.opts) {
          legacy((s) => s.disconnect(req.close === true));
          return;
        }
        message = {
          type: M.DISCONNECT_SOCKETS,
          uid,
          nsp,
          data: { opts: req.opts, close: req.close },
        };
        break;
      case RequestType.REMOTE_FETCH:
        message = { type: M.FETCH_SOCKETS, uid, nsp, data: { opts: req.opts, requestId } };
        break;
      case RequestType.SERVER_SIDE_EMIT:
        message = { type: M.SERVER_SIDE_EMIT, uid, nsp, data: { packet: req.data, requestId } };
        break;
      case RequestType.BROADCAST:
        message = {
          type: M.BROADCAST,
          uid,
          nsp,
          data: { packet: req.packet, opts: req.opts, requestId },
        };
        break;
      default:
        return;
    }
    const checked = checkClusterMessage(message);
    if (checked) this.onMessage(checked);
  }

  #responseIn(res: Record<string, unknown>): void {
    const requestId = res.requestId;
    let response: unknown;
    switch (res.type) {
      case RequestType.BROADCAST_CLIENT_COUNT:
        response = {
          type: M.BROADCAST_CLIENT_COUNT,
          data: { requestId, clientCount: res.clientCount },
        };
        break;
      case RequestType.BROADCAST_ACK:
        response = { type: M.BROADCAST_ACK, data: { requestId, packet: res.packet } };
        break;
      case RequestType.SERVER_SIDE_EMIT:
        response = { type: M.SERVER_SIDE_EMIT_RESPONSE, data: { requestId, packet: res.data } };
        break;
      default:
        // a fetchSockets response carries no type, only the sockets
        if (!Array.isArray(res.sockets)) return;
        response = { type: M.FETCH_SOCKETS_RESPONSE, data: { requestId, sockets: res.sockets } };
    }
    const checked = checkClusterMessage(response);
    if (checked) this.onResponse(checked as ClusterResponse);
  }
}
