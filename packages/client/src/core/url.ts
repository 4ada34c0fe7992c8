/** Parsing of the URL given to `io()`: where to connect, which namespace, which query. */

/** The parts of an `io()` URL. */
export interface ParsedUrl {
  /** "http(s)://host:port" (ws/wss become http/https). */
  origin: string;
  /** The namespace: the URL's path, "/" by default. */
  nsp: string;
  /** The URL's query parameters. */
  query: Record<string, string>;
}

/**
 * Parses `uri` against the page's location (browsers) or `http://localhost` (Node). A missing
 * URL means the page's own origin.
 */
export function parseUrl(uri: string | undefined): ParsedUrl {
  const here = (globalThis as { location?: { href: string } }).location?.href;
  const url = new URL(uri ?? "/", here ?? "http://localhost");
  const secure = /s:$/.test(url.protocol); // https: or wss:
  const query: Record<string, string> = {};
  url.searchParams.forEach((value, key) => {
    query[key] = value;
  });
  return {
    origin: `${secure ? "https" : "http"}://${url.host}`,
    nsp: url.pathname || "/",
    query,
  };
}
