/**
 * A raw WebSocket peer speaking Engine.IO v4 by hand: it answers pings, queues every other
 * frame, and lets a test send exact Socket.IO packets (the engine "4" prefix is added here).
 */
import { once } from "node:events";
import WebSocket from "ws";

export class WirePeer {
  readonly ws: WebSocket;
  readonly #queue: (string | Buffer)[] = [];
  readonly #waiters: ((frame: string | Buffer) => void)[] = [];
  readonly closed: Promise<number>;

  constructor(url: string) {
    this.ws = new WebSocket(`${url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket`);
    this.ws.on("message", (data: Buffer, isBinary: boolean) => {
      const frame = isBinary ? data : data.toString();
      if (frame === "2") {
        this.ws.send("3");
        return;
      }
      const waiter = this.#waiters.shift();
      if (waiter) waiter(frame);
      else this.#queue.push(frame);
    });
    this.closed = once(this.ws, "close").then(([code]) => code as number);
  }

  /** Opens and returns the engine handshake. */
  static async open(url: string): Promise<{ peer: WirePeer; handshake: Record<string, unknown> }> {
    const peer = new WirePeer(url);
    const open = String(await peer.next());
    if (!open.startsWith("0")) throw new Error(`expected an open packet, got ${open}`);
    return { peer, handshake: JSON.parse(open.slice(1)) };
  }

  /** The next frame (engine packet) other than a ping. */
  next(): Promise<string | Buffer> {
    const frame = this.#queue.shift();
    if (frame !== undefined) return Promise.resolve(frame);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** The next frame, which must be an engine message; returns the socket packet text. */
  async nextPacket(): Promise<string> {
    const frame = await this.next();
    if (typeof frame !== "string" || !frame.startsWith("4")) {
      throw new Error(`expected a message packet, got ${String(frame)}`);
    }
    return frame.slice(1);
  }

  /** Sends one socket packet as an engine message. */
  send(packet: string): void {
    this.ws.send(`4${packet}`);
  }

  /** Sends a binary attachment. */
  sendBinary(data: Uint8Array): void {
    this.ws.send(data);
  }

  close(): void {
    this.ws.close();
  }
}
