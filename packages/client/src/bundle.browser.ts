/**
 * Entry of the browser bundle `dist/switchboard.min.js`: defines the global `io` (the function,
 * with `Manager`, `Socket`, `connect` and `protocol` on it), as socket.io.min.js does.
 */
import { ClientError, connect, io, Manager, protocol, Socket } from "./index.browser.js";

Object.assign(io, { io, connect, Manager, Socket, ClientError, protocol });
(globalThis as { io?: unknown }).io = io;
