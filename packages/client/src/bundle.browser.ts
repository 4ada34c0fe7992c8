/**
 * Entry of the browser bundle `dist/switchboard.min.js`: defines the global `io` (the function,
 * with `Manager`, `Socket`, `connect` and `protocol` on it), as socket.io.min.js does.
 */
import io from "./index.browser.js";

(globalThis as { io?: unknown }).io = io;
