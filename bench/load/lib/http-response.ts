/**
 * An incremental HTTP/1.1 response parser for the load generator's raw-TCP client
 * (lib/http-client.ts): status line and headers up to the blank line, then a body framed by
 * `Content-Length` or by `Transfer-Encoding: chunked` (RFC 9112 §6–7). Anything else (a
 * response without either, both at once, another transfer coding, `Connection: close`, a head
 * or body over the size cap) is a protocol error: the benchmark only talks to servers that
 * keep the connection alive and frame their bodies.
 *
 * `feed()` takes bytes as they arrive, in any split, and calls `onResponse` once per complete
 * response. It copies whatever it keeps between calls, so the caller may reuse its read buffer.
 */

/** One complete response. */
export interface HttpResponse {
  readonly status: number;
  /** The body decoded as UTF-8. */
  readonly body: string;
}

/** Longest response head or body accepted (Engine.IO's default maxPayload is 1 MB). */
const MAX_HEAD_BYTES = 16 * 1024;
const MAX_BODY_BYTES = 8 * 1024 * 1024;

const CRLF = Buffer.from("\r\n");
const CRLFCRLF = Buffer.from("\r\n\r\n");
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})(?: |$)/;
const DIGITS = /^\d+$/;
const HEX = /^[0-9a-fA-F]+$/;

/** Where the parser is inside the current response. */
type ParseState = "head" | "body" | "chunk-size" | "chunk-data" | "trailers";

/** Thrown (and then sticky) when the bytes are not a response this client accepts. */
export class HttpProtocolError extends Error {
  override name = "HttpProtocolError";
}

/** Parses a stream of HTTP/1.1 responses on one connection. */
export class ResponseParser {
  #state: ParseState = "head";
  /** Bytes received but not consumed yet (a copy: the caller's buffer may be reused). */
  #rest: Buffer | undefined;
  #status = 0;
  /** Body bytes still expected: the Content-Length, or the current chunk's size. */
  #remaining = 0;
  /** Chunk bodies so far (copies), decoded together so no UTF-8 sequence is cut. */
  #chunks: Buffer[] = [];
  #chunkedBytes = 0;

  constructor(private readonly onResponse: (response: HttpResponse) => void) {}

  /** Consumes `data` (only read during the call); throws HttpProtocolError on bad input. */
  feed(data: Buffer): void {
    const buf = this.#rest === undefined ? data : Buffer.concat([this.#rest, data]);
    this.#rest = undefined;
    let pos = 0;
    while (pos < buf.length) {
      const next = this.#step(buf, pos);
      if (next < 0) break;
      pos = next;
    }
    if (pos < buf.length) this.#rest = Buffer.from(buf.subarray(pos));
  }

  /** Parses one element at `pos`; returns where the next starts, or -1 if it needs more bytes. */
  #step(buf: Buffer, pos: number): number {
    switch (this.#state) {
      case "head":
        return this.#head(buf, pos);
      case "body": {
        if (buf.length - pos < this.#remaining) return -1;
        const end = pos + this.#remaining;
        this.#complete(buf.toString("utf8", pos, end));
        return end;
      }
      case "chunk-size":
        return this.#chunkSize(buf, pos);
      case "chunk-data": {
        if (buf.length - pos < this.#remaining + 2) return -1;
        const end = pos + this.#remaining;
        if (buf[end] !== 0x0d || buf[end + 1] !== 0x0a) fail("chunk data not followed by CRLF");
        this.#chunks.push(Buffer.from(buf.subarray(pos, end)));
        this.#state = "chunk-size";
        return end + 2;
      }
      case "trailers": {
        const eol = buf.indexOf(CRLF, pos);
        if (eol < 0) return this.#needMore(buf, pos, MAX_HEAD_BYTES, "trailer line");
        // An empty line ends the trailer section (and the response); trailers are ignored.
        if (eol === pos) this.#complete(Buffer.concat(this.#chunks).toString("utf8"));
        return eol + 2;
      }
    }
  }

  #head(buf: Buffer, pos: number): number {
    const end = buf.indexOf(CRLFCRLF, pos);
    if (end < 0) return this.#needMore(buf, pos, MAX_HEAD_BYTES, "response head");
    const lines = buf.toString("latin1", pos, end).split("\r\n");
    const status = STATUS_LINE.exec(lines[0] ?? "");
    if (!status) fail(`bad status line ${JSON.stringify((lines[0] ?? "").slice(0, 60))}`);
    this.#status = Number(status[1]);
    let length: number | undefined;
    let chunked = false;
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(":");
      if (colon <= 0) fail(`bad header line ${JSON.stringify(line.slice(0, 60))}`);
      const name = line.slice(0, colon).toLowerCase();
      if (name === "content-length") {
        const value = line.slice(colon + 1).trim();
        if (!DIGITS.test(value) || (length !== undefined && Number(value) !== length)) {
          fail(`bad Content-Length ${JSON.stringify(value)}`);
        }
        length = Number(value);
      } else if (name === "transfer-encoding") {
        const value = line
          .slice(colon + 1)
          .trim()
          .toLowerCase();
        if (value !== "chunked") fail(`unsupported Transfer-Encoding ${JSON.stringify(value)}`);
        chunked = true;
      } else if (name === "connection" && /\bclose\b/i.test(line.slice(colon + 1))) {
        fail("the server closes the keep-alive connection (Connection: close)");
      }
    }
    if (chunked && length !== undefined) fail("both Content-Length and Transfer-Encoding");
    if (chunked) {
      this.#state = "chunk-size";
      this.#chunks = [];
      this.#chunkedBytes = 0;
    } else if (length === undefined) {
      fail(`HTTP ${this.#status} without Content-Length or chunked Transfer-Encoding`);
    } else if (length > MAX_BODY_BYTES) {
      fail(`Content-Length ${length} over ${MAX_BODY_BYTES}`);
    } else if (length === 0) {
      this.#complete("");
    } else {
      this.#state = "body";
      this.#remaining = length;
    }
    return end + 4;
  }

  #chunkSize(buf: Buffer, pos: number): number {
    const eol = buf.indexOf(CRLF, pos);
    if (eol < 0) return this.#needMore(buf, pos, 1024, "chunk size line");
    // chunk-size [ chunk-ext ] CRLF (RFC 9112 §7.1); extensions are ignored.
    const field = buf.toString("latin1", pos, eol).split(";", 1)[0]!.trim();
    if (!HEX.test(field)) fail(`bad chunk size ${JSON.stringify(field.slice(0, 20))}`);
    const size = Number.parseInt(field, 16);
    this.#chunkedBytes += size;
    if (this.#chunkedBytes > MAX_BODY_BYTES) fail(`chunked body over ${MAX_BODY_BYTES} bytes`);
    this.#remaining = size;
    this.#state = size === 0 ? "trailers" : "chunk-data";
    return eol + 2;
  }

  /** -1 (wait for more bytes), unless what is pending already exceeds `cap`. */
  #needMore(buf: Buffer, pos: number, cap: number, what: string): number {
    if (buf.length - pos > cap) fail(`${what} longer than ${cap} bytes`);
    return -1;
  }

  #complete(body: string): void {
    this.#state = "head";
    this.#chunks = [];
    this.onResponse({ status: this.#status, body });
  }
}

function fail(message: string): never {
  throw new HttpProtocolError(message);
}
