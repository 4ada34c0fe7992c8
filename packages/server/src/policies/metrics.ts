/**
 * Traffic metrics of every connection, for an exporter (`@switchboard/prometheus`, or one for
 * OpenTelemetry) to count: packets and bytes each way and why connections closed. Not in the
 * pipeline unless an exporter adds it (`io.pipeline.add(trafficMetrics(sink))`), so a server
 * without metrics pays nothing; with it, each hook is a few additions.
 *
 * Outbound, it sees what is written after every earlier policy let it through (add it last):
 * one packet per frame (a binary packet is its header and one frame per attachment), and the
 * frame's length (UTF-8 bytes of a string, bytes of a binary frame). Inbound, one packet per
 * message the engine session delivered, the same way. Bytes are the Socket.IO layer's, without
 * the engine's framing.
 */
import type { BinaryData } from "@switchboard/protocol";
import type { ConnectionPolicy } from "../pipeline.js";
import type { DisconnectReason } from "../reserved.js";
import type { SessionCloseReason } from "../session.js";

/** Where the metrics policy reports (each call is one event; the sink keeps the totals). */
export interface TrafficSink {
  /** `packets` frames of `bytes` bytes in total were written to a client. */
  sent(packets: number, bytes: number): void;
  /** One message of `bytes` bytes was received from a client. */
  received(bytes: number): void;
  /** A connection closed, with what closed it (a bounded set of reasons). */
  closed(reason: SessionCloseReason | DisconnectReason): void;
}

function byteLength(frame: string | BinaryData): number {
  if (typeof frame === "string") return Buffer.byteLength(frame);
  return "byteLength" in frame ? frame.byteLength : frame.size;
}

/** The metrics policy reporting to `sink`. */
export function trafficMetrics(sink: TrafficSink): ConnectionPolicy {
  // A broadcast writes the same encoded frame to every recipient: measure it once.
  let lastFrame: string | undefined;
  let lastLength = 0;
  const outLength = (frame: string | BinaryData): number => {
    if (typeof frame !== "string") return byteLength(frame);
    if (frame !== lastFrame) {
      lastFrame = frame;
      lastLength = Buffer.byteLength(frame);
    }
    return lastLength;
  };
  return {
    name: "metrics",
    outbound(_conn, frames) {
      let bytes = 0;
      for (const frame of frames) bytes += outLength(frame);
      sink.sent(frames.length, bytes);
      return true;
    },
    received(_conn, data) {
      sink.received(byteLength(data));
    },
    closed(_conn, reason) {
      sink.closed(reason);
    },
  };
}
