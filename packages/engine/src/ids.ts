/**
 * Session ids: 128 random bits from `crypto`, base64url (22 characters, URL-safe), with an
 * optional node tag in front (`<nodeTag>.<random>`) so that a reverse proxy can route a session
 * to its node by the `sid` query parameter alone. "." is not in the base64url alphabet, so the
 * tag is always the part before the first ".".
 */
import { randomBytes } from "node:crypto";

/** A fresh session id, tagged when `nodeTag` is given. */
export function generateSessionId(nodeTag?: string): string {
  const random = randomBytes(16).toString("base64url");
  return nodeTag === undefined ? random : `${nodeTag}.${random}`;
}

/** The node tag of a session id, or undefined when it has none. */
export function nodeTagOf(sid: string): string | undefined {
  const dot = sid.indexOf(".");
  return dot === -1 ? undefined : sid.slice(0, dot);
}
