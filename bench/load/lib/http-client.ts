/**
 * The load generator's HTTP/1.1 client for long-polling: one keep-alive TCP connection
 * (node:net) per instance, at most one request outstanding on it, requests written as bytes
 * built once by the caller, responses read into one shared buffer (`onread`, no stream copies)
 * and parsed by lib/http-response.ts. node:http's client (Agent, ClientRequest,
 * IncomingMessage, streams) cost the load generator more CPU per request than the servers
 * spent answering it; this one costs a fraction of that, so the server is the limit.
 *
 * A response other than 200, bytes that are not a well-framed response, or the connection
 * closing while a request is outstanding reject that request with an error that says so; a
 * connection that failed takes no more requests.
 */
import { connect, type Socket } from "node:net";
import { type HttpResponse, ResponseParser } from "./http-response.ts";

/** Every connection reads into this buffer; the parser copies what it keeps (one thread). */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** The bytes of `GET <path>` with only the Host header (no keep-alive header: 1.1 default). */
export function getRequest(port: number, path: string): Buffer {
  return Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`, "latin1");
}

/** The bytes of `POST <path>` with a text body, as browsers send Engine.IO payloads. */
export function postRequest(port: number, path: string, body: string): Buffer {
  const bytes = Buffer.from(body, "utf8");
  const head =
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
    `Content-Type: text/plain;charset=UTF-8\r\nContent-Length: ${bytes.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, "latin1"), bytes]);
}

interface Outstanding {
  readonly what: string;
  readonly resolve: (body: string) => void;
  readonly reject: (error: Error) => void;
}

/** One keep-alive connection to 127.0.0.1:port. */
export class HttpConnection {
  readonly #socket: Socket;
  readonly #parser: ResponseParser;
  #outstanding: Outstanding | undefined;
  /** Why this connection takes no more requests, once it does not. */
  #broken: Error | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    this.#parser = new ResponseParser((response) => this.#response(response));
  }

  /** Connects; rejects if the connection cannot be made. */
  static open(port: number): Promise<HttpConnection> {
    return new Promise((resolve, reject) => {
      let connection: HttpConnection | undefined;
      const socket = connect({
        host: "127.0.0.1",
        port,
        noDelay: true,
        onread: {
          buffer: READ_BUFFER,
          callback: (bytes) => {
            if (connection) connection.#read(READ_BUFFER.subarray(0, bytes));
            return true;
          },
        },
      });
      connection = new HttpConnection(socket);
      const opened = connection;
      socket.once("connect", () => {
        socket.off("error", reject);
        socket.on("error", (error) => opened.#fail(error.message));
        resolve(opened);
      });
      socket.once("error", reject);
      socket.on("close", () => opened.#fail("connection closed by the server"));
    });
  }

  /** Sends `bytes` (a whole request) and resolves with the body of a 200 response. */
  request(bytes: Buffer, what: string): Promise<string> {
    if (this.#broken) return Promise.reject(this.#broken);
    if (this.#outstanding) {
      return Promise.reject(new Error(`${what} while ${this.#outstanding.what} is outstanding`));
    }
    return new Promise((resolve, reject) => {
      this.#outstanding = { what, resolve, reject };
      this.#socket.write(bytes);
    });
  }

  /** Drops the connection; an outstanding request is rejected. */
  destroy(): void {
    this.#fail("connection closed by the load generator");
    this.#socket.destroy();
  }

  #read(data: Buffer): void {
    if (this.#broken) return;
    try {
      this.#parser.feed(data);
    } catch (error) {
      this.#fail(`bad response: ${error instanceof Error ? error.message : String(error)}`);
      this.#socket.destroy();
    }
  }

  #response({ status, body }: HttpResponse): void {
    const outstanding = this.#outstanding;
    if (!outstanding) throw new Error(`HTTP ${status} response with no request outstanding`);
    this.#outstanding = undefined;
    if (status === 200) outstanding.resolve(body);
    else
      outstanding.reject(
        new Error(`${outstanding.what} answered HTTP ${status}: ${body.slice(0, 80)}`),
      );
  }

  /** Marks the connection unusable and rejects the outstanding request, if any. */
  #fail(reason: string): void {
    if (this.#broken) return;
    const outstanding = this.#outstanding;
    this.#outstanding = undefined;
    this.#broken = new Error(
      outstanding ? `${reason} with ${outstanding.what} outstanding` : reason,
    );
    outstanding?.reject(this.#broken);
  }
}
