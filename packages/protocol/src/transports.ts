/**
 * Wire constants of this project's transports beyond Engine.IO's polling and WebSocket, which
 * the engine writes and the client reads: defined here once for both sides.
 */

/**
 * The global array of JSONP callbacks (`window.___sb`): the answer to a jsonp poll with
 * `j=<n>` is `___sb[n]("<payload>")`, and an htmlfile stream posts
 * `{"___sb": n, "d": "<payload>"}` to its parent page. A fixed name, never one taken from the
 * request, so that a page cannot make the server call a function of its choice.
 */
export const JSONP_GLOBAL = "___sb";

/**
 * The Server-Sent Events event name of a packet sent as a JSON string literal (one with a
 * carriage return, which SSE's line format cannot carry as is); other packets are plain
 * `message` events.
 */
export const SSE_JSON_EVENT = "j";
