/**
 * How the memory store counts the bytes of the data it holds, for its `maxMemoryBytes` budget.
 *
 * The count is an estimate of the JavaScript heap the data takes: 2 bytes per UTF-16 code unit of
 * every key, field, member and value (an upper bound for the strings V8 keeps), plus a fixed
 * overhead per key, hash field, member and stream entry for the objects and map slots that hold
 * them (calibrated against `process.memoryUsage().heapUsed`; see docs/security.md). It is kept
 * incrementally, per operation, so checking the budget costs nothing per call.
 */

/** One key: its map slot (hash tables grow by doubling), its entry object, its expiry slot, the key string. */
export const KEY_COST = 400;
/** A string value's header. */
export const STRING_COST = 16;
/** A hash, a set or a sorted set itself (its maps). */
export const COLLECTION_COST = 96;
/** One hash field: a map slot and two string headers. */
export const FIELD_COST = 64;
/** One sorted-set member: its entry in the order and in the score map. */
export const MEMBER_COST = 112;
/** One set member or list element. */
export const ELEMENT_COST = 40;
/** One stream entry: its object, id and field array. */
export const STREAM_ENTRY_COST = 190;

/** Bytes counted for a string. */
export function strBytes(s: string): number {
  return 2 * s.length;
}

/** The default budget of the memory store: 256 MiB of data. */
export const DEFAULT_MAX_MEMORY_BYTES = 256 * 1024 * 1024;
