/**
 * Flow control of one connection's outbound bytes (what its session holds and has not yet
 * handed to the operating system, `session.bufferedAmount`), with `maxBufferedBytes` as the
 * limit and half of it as the high-water mark:
 * - a volatile packet is dropped when the transport is busy or the connection is over the mark;
 * - over the mark, the connection stops reading from its client (inbound work would produce
 *   more outbound bytes), `socket.emit` returns false, and once the session has written all it
 *   held, reading resumes and the sockets emit "drain";
 * - a connection already over the mark that goes past the limit is closed at once with
 *   "slow consumer" (a single large message to a drained connection still goes through).
 */
import type { ConnectionPolicy } from "../pipeline.js";

/** The flow-control policy for connections of at most `maxBufferedBytes` buffered bytes. */
export function flowControl(maxBufferedBytes: number): ConnectionPolicy {
  const highWaterMark = maxBufferedBytes / 2;
  return {
    name: "flow-control",
    outbound(conn, _frames, options) {
      if (!options.volatile) return true;
      const session = conn.conn;
      return session.writable && session.bufferedAmount < highWaterMark;
    },
    written(conn) {
      const buffered = conn.conn.bufferedAmount;
      if (buffered < highWaterMark) return;
      // `writable` is still what it was before this write: false if it was over the mark.
      if (buffered > maxBufferedBytes && !conn.writable) {
        conn.closeWith("slow consumer");
        return;
      }
      if (!conn.writable) return;
      conn.conn.pause();
      conn.awaitDrain();
    },
    drained(conn) {
      conn.conn.resume();
    },
  };
}
