/**
 * The `allowedHosts` check. Same-origin is judged against the `Host` header; a page on a
 * rebound DNS name (the attacker's name now resolving to this server) sends its own name as
 * both `Host` and `Origin`, and so would count as same-origin. Naming the hosts this server
 * answers for closes that: a request for any other `Host` is refused (403) before anything.
 */

import type { IncomingMessage } from "node:http";
import { BadOptionError } from "@switchboard/protocol";
import { EngineError } from "./errors.js";

/** The hostname of a `Host` header, lower-cased, without its port ("[::1]" keeps brackets). */
export function hostnameOf(host: string): string {
  const value = host.trim().toLowerCase();
  if (value.startsWith("[")) {
    const end = value.indexOf("]");
    return end === -1 ? value : value.slice(0, end + 1);
  }
  const colon = value.indexOf(":");
  return colon === -1 ? value : value.slice(0, colon);
}

/** Resolves the option: a set of lower-cased hostnames, or undefined (any host). */
export function resolveAllowedHosts(
  hosts: readonly string[] | undefined,
): ReadonlySet<string> | undefined {
  if (hosts === undefined) return undefined;
  if (!Array.isArray(hosts) || hosts.some((h) => typeof h !== "string" || h === "")) {
    throw new BadOptionError("allowedHosts must be an array of host names");
  }
  return new Set(hosts.map(hostnameOf));
}

/** The refusal of a request whose `Host` is not allowed, or undefined. */
export function checkHost(
  req: IncomingMessage,
  allowed: ReadonlySet<string> | undefined,
): EngineError | undefined {
  if (allowed === undefined) return undefined;
  const host = req.headers.host;
  if (host !== undefined && allowed.has(hostnameOf(host))) return undefined;
  return new EngineError("HOST_REFUSED", undefined, { host });
}
