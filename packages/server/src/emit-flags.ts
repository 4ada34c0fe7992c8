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

/** The engine write options for an emit with these flags. */
export function writeOptionsOf(flags: Readonly<EmitFlags>): WriteOptions {
  return flags.volatile === true
    ? { volatile: true, compress: flags.compress !== false }
    : flags.compress === false
      ? UNCOMPRESSED
      : COMPRESSED;
}
