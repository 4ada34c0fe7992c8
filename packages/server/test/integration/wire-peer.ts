/**
 * A raw WebSocket peer speaking Engine.IO v4 by hand: it answers pings, queues every other
 * frame, and lets a test send exact Socket.IO packets (the engine "4" prefix is added here).
 * Once the WebSocket is closed (or failed), waiting for a frame that did not come rejects.
 */
import WebSocket from "ws";

export class WirePeer {
  readonly ws: WebSocket;
  readonly #queue: (string | Buffer)[] = [];
  readonly #waiters: [(frame: string | Buffer) => void, (err: Error) => void][] = [];
  /** Set when the WebSocket closed: what a waiter gets instead of a frame. */
  #ended: Error | undefined;
  #error: Error | undefined;
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
      if (waiter) waiter[0](frame);
      else this.#queue.push(frame);
    });
    this.ws.on("error", (err) => {
      this.#error ??= err;
    });
    this.closed = new Promise((resolve) => {
      this.ws.once("close", (code: number) => {
        this.#ended = new Error(`WebSocket closed (${code})`, { cause: this.#error });
        for (const [, reject] of this.#waiters.splice(0)) reject(this.#ended);
        resolve(code);
      });
    });
  }

  /** Opens and returns the engine handshake. */
  static async open(url: string): Promise<{ peer: WirePeer; handshake: Record<string, unknown> }> {
    const peer = new WirePeer(url);
    return { peer, handshake: await peer.opened() };
  }

  /** Waits for the engine handshake (the open packet) and returns it. */
  async opened(): Promise<Record<string, unknown>> {
    const open = String(await this.next());
    if (!open.startsWith("0")) throw new Error(`expected an open packet, got ${open}`);
    return JSON.parse(open.slice(1));
  }

  /** The next frame (engine packet) other than a ping; rejects if the WebSocket closed first. */
  next(): Promise<string | Buffer> {
    const frame = this.#queue.shift();
    if (frame !== undefined) return Promise.resolve(frame);
    if (this.#ended) return Promise.reject(this.#ended);
    return new Promise((resolve, reject) => this.#waiters.push([resolve, reject]));
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
