/**
 * The modifiers of a socket's next emit (`volatile`, `compress(false)`, `timeout(ms)`) and the
 * write options they come to. The common emit has none: it shares one frozen flags object and
 * one of two frozen write options, so a plain emit allocates neither.
 */
import type { WriteOptions } from "./adapters/adapter.js";

/** The modifiers of a socket's next emit. */
export interface EmitFlags {
  volatile?: boolean;
  compress?: boolean;
  timeout?: number;
}

/** The flags of an emit with no modifier: shared, never written to (a modifier copies it). */
export const NO_FLAGS: Readonly<EmitFlags> = Object.freeze({});

/** Write options of the two kinds of plain (non-volatile) writes: shared, not one per packet. */
const COMPRESSED: WriteOptions = Object.freeze({ volatile: false, compress: true });
const UNCOMPRESSED: WriteOptions = Object.freeze({ volatile: false, compress: false });

/**
 * Write options of a namespace's CONNECT answer: it leaves in a write of its own, so that a
 * client reading one message at a time (and only then listening for the next) reads it alone,
 * before what the "connection" handler emits at once, as it does from Socket.IO.
 */
export const CONNECT_WRITE: WriteOptions = Object.freeze({
  volatile: false,
  compress: true,
  separate: true,
});

/** The engine write options for an emit with these flags. */
export function writeOptionsOf(flags: Readonly<EmitFlags>): WriteOptions {
  return flags.volatile === true
    ? { volatile: true, compress: flags.compress !== false }
    : flags.compress === false
      ? UNCOMPRESSED
      : COMPRESSED;
}
