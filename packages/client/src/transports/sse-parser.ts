/**
 * A minimal `text/event-stream` parser (WHATWG HTML, "Server-sent events", "Interpreting an
 * event stream"): `data:` lines are joined with "\n", a blank line dispatches, comments and the
 * other fields are ignored (this project's server sends neither ids nor event names).
 */
export class SseParser {
  #buffer = "";
  #data: string[] = [];
  readonly #onEvent: (data: string) => boolean;

  /** @param onEvent gets each event's data; returning false stops parsing. */
  constructor(onEvent: (data: string) => boolean) {
    this.#onEvent = onEvent;
  }

  /** Feeds decoded text; false when a handler asked to stop. */
  push(text: string): boolean {
    this.#buffer += text;
    for (;;) {
      const nl = this.#buffer.search(/\r\n|\r|\n/);
      if (nl < 0) return true;
      // A lone "\r" at the end may be the first half of "\r\n": wait for more.
      if (this.#buffer[nl] === "\r" && nl === this.#buffer.length - 1) return true;
      const line = this.#buffer.slice(0, nl);
      this.#buffer = this.#buffer.slice(nl + (this.#buffer.startsWith("\r\n", nl) ? 2 : 1));
      if (line === "") {
        const data = this.#data;
        this.#data = [];
        if (data.length > 0 && !this.#onEvent(data.join("\n"))) return false;
      } else if (line.startsWith("data")) {
        const rest = line.slice(4);
        if (rest === "") this.#data.push("");
        else if (rest[0] === ":") this.#data.push(rest.slice(rest[1] === " " ? 2 : 1));
      }
    }
  }
}
