/**
 * A minimal `text/event-stream` parser (WHATWG HTML, "Server-sent events", "Interpreting an
 * event stream"): `data:` lines are joined with "\n", `event:` names the event, a blank line
 * dispatches, comments and the other fields (ids, retry) are ignored.
 */
export class SseParser {
  #buffer = "";
  /** The data lines of the event so far, joined with "\n" (undefined: none yet). */
  #data: string | undefined;
  #event = "";
  readonly #onEvent: (data: string, event: string) => boolean;

  /**
   * @param onEvent gets each event's data and its name ("" when it has none, which
   * EventSource calls "message"); returning false stops parsing.
   */
  constructor(onEvent: (data: string, event: string) => boolean) {
    this.#onEvent = onEvent;
  }

  /** Feeds decoded text; false when a handler asked to stop. */
  push(text: string): boolean {
    this.#buffer += text;
    for (;;) {
      const nl = this.#buffer.search(LINE_END);
      if (nl < 0) return true;
      // A lone "\r" at the end may be the first half of "\r\n": wait for more.
      if (this.#buffer[nl] === "\r" && nl === this.#buffer.length - 1) return true;
      const line = this.#buffer.slice(0, nl);
      this.#buffer = this.#buffer.slice(nl + (this.#buffer.startsWith("\r\n", nl) ? 2 : 1));
      if (line === "") {
        const data = this.#data;
        const event = this.#event;
        this.#data = undefined;
        this.#event = "";
        if (data !== undefined && !this.#onEvent(data, event)) return false;
        continue;
      }
      const colon = line.indexOf(":");
      if (colon === 0) continue; // a comment
      // The field name is line[0, end): compared in place, not sliced out (a line per packet).
      const end = colon < 0 ? line.length : colon;
      const value = colon < 0 ? "" : line.slice(colon + (line[colon + 1] === " " ? 2 : 1));
      if (end === 4 && line.startsWith("data")) {
        this.#data = this.#data === undefined ? value : `${this.#data}\n${value}`;
      } else if (end === 5 && line.startsWith("event")) this.#event = value;
    }
  }
}

/** A line end: CRLF, CR or LF (one RegExp, not one per line). */
const LINE_END = /\r\n|\r|\n/;
