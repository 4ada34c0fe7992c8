/** Test helpers for the streaming and script transports: a raw streaming GET, SSE and script parsing. */
import { type IncomingHttpHeaders, type IncomingMessage, request } from "node:http";
import { runInNewContext } from "node:vm";

/** A raw streaming GET that accumulates what it receives. */
export class RawStream {
  status = 0;
  headers: IncomingHttpHeaders = {};
  text = "";
  /** Resolves when the response ends or the connection closes. */
  readonly ended: Promise<void>;
  private readonly req: ReturnType<typeof request>;
  private res: IncomingMessage | undefined;
  private readonly waiters = new Set<() => void>();
  private done = false;

  private constructor(port: number, path: string, headers: Record<string, string>) {
    let end: () => void = () => {};
    this.ended = new Promise((resolve) => {
      end = resolve;
    });
    const finish = (): void => {
      this.done = true;
      end();
      for (const w of this.waiters) w();
    };
    this.req = request({ host: "127.0.0.1", port, path, headers, agent: false });
    this.req.on("error", finish);
    this.req.on("response", (res) => {
      this.res = res;
      this.status = res.statusCode ?? 0;
      this.headers = res.headers;
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        this.text += chunk;
        for (const w of this.waiters) w();
      });
      res.on("end", finish);
      res.on("close", finish);
      res.on("error", finish);
    });
    this.req.end();
  }

  /** Opens the stream; resolves once the status line and headers arrived. */
  static open(port: number, path: string, headers: Record<string, string> = {}) {
    const stream = new RawStream(port, path, headers);
    return new Promise<RawStream>((resolve, reject) => {
      stream.req.once("response", () => resolve(stream));
      stream.req.once("error", reject);
    });
  }

  /** Resolves once `predicate(text)` holds (checked on every chunk); rejects if the stream ends first. */
  until(predicate: (text: string) => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (predicate(this.text)) {
          this.waiters.delete(check);
          resolve();
        } else if (this.done) {
          this.waiters.delete(check);
          reject(new Error(`stream ended without the expected data: ${JSON.stringify(this.text)}`));
        }
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Stops reading (the server's writes back up), or reads again. */
  pause(paused: boolean): void {
    if (paused) this.res?.pause();
    else this.res?.resume();
  }

  /** Drops the connection from the client side. */
  destroy(): void {
    this.req.destroy();
  }
}

/** The data of every complete SSE event in `text` (comments skipped, `data:` lines joined). */
export function sseEvents(text: string): string[] {
  const events: string[] = [];
  const complete = text.slice(0, text.lastIndexOf("\n\n") + 2);
  for (const block of complete.split("\n\n")) {
    const data = block
      .split("\n")
      .filter((line) => line.startsWith("data:"))
      .map((line) => line.slice(line.startsWith("data: ") ? 6 : 5));
    if (data.length > 0) events.push(data.join("\n"));
  }
  return events;
}

/**
 * The complete events of an SSE stream as a browser's EventSource sees them (WHATWG HTML,
 * "Server-sent events": CR, LF and CRLF end a line; `data` lines joined with LF), each decoded
 * by the engine's convention: a `j` event's data is a JSON string.
 */
export function sseDecoded(text: string): string[] {
  const out: string[] = [];
  let type = "";
  let data: string[] = [];
  const lines = text.split(/\r\n|\r|\n/);
  // The last piece is an unterminated line: not part of a complete event yet.
  for (const line of lines.slice(0, -1)) {
    if (line === "") {
      if (data.length > 0) {
        const joined = data.join("\n");
        out.push(type === "j" ? (JSON.parse(joined) as string) : joined);
      }
      type = "";
      data = [];
      continue;
    }
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") data.push(value);
    else if (field === "event") type = value;
  }
  return out;
}

/** Runs a JSONP answer with a `___sb` registry; returns what each callback received, by index. */
export function runJsonp(body: string): Map<number, unknown[]> {
  const calls = new Map<number, unknown[]>();
  const ___sb = new Proxy([] as unknown[], {
    get: (_target, key) => {
      const index = Number(key);
      return (...args: unknown[]) => calls.set(index, args);
    },
  });
  runInNewContext(body, { ___sb });
  return calls;
}

/** The `parent.postMessage(message, targetOrigin)` calls of every complete `<script>` in `html`. */
export function runHtmlFile(html: string): [message: unknown, target: unknown][] {
  const posted: [unknown, unknown][] = [];
  // Through JSON: objects made in the script's own realm have another Object.prototype.
  const parent = {
    postMessage: (m: unknown, o: unknown) => posted.push([JSON.parse(JSON.stringify(m)), o]),
  };
  for (const match of html.matchAll(/<script>([\s\S]*?)<\/script>/g)) {
    runInNewContext(match[1]!, { parent });
  }
  return posted;
}
