/**
 * A minimal `text/event-stream` parser (WHATWG HTML, "Server-sent events", "Interpreting an
 * event stream"): `data:` lines are joined with "\n", `event:` names the event, a blank line
 * dispatches, comments and the other fields (ids, retry) are ignored.
 */
export class SseParser {
  #buffer = "";
  #data: string[] = [];
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
      const nl = this.#buffer.search(/\r\n|\r|\n/);
      if (nl < 0) return true;
      // A lone "\r" at the end may be the first half of "\r\n": wait for more.
      if (this.#buffer[nl] === "\r" && nl === this.#buffer.length - 1) return true;
      const line = this.#buffer.slice(0, nl);
      this.#buffer = this.#buffer.slice(nl + (this.#buffer.startsWith("\r\n", nl) ? 2 : 1));
      if (line === "") {
        const data = this.#data;
        const event = this.#event;
        this.#data = [];
        this.#event = "";
        if (data.length > 0 && !this.#onEvent(data.join("\n"), event)) return false;
        continue;
      }
      const colon = line.indexOf(":");
      if (colon === 0) continue; // a comment
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value[0] === " ") value = value.slice(1);
      if (field === "data") this.#data.push(value);
      else if (field === "event") this.#event = value;
    }
  }
}
