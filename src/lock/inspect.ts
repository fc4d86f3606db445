import { InvalidArgumentError } from "../errors/invalid-argument-error.js";
import type { Store } from "../store/types.js";
import { scanNames, type NamesPage } from "../store/scan-names.js";
import { assertInt } from "../util/validate.js";
import { lockMetrics } from "./metrics.js";
import { decodeMetadata } from "./options.js";
import { forceReleaseScript, inspectScript } from "./scripts/scripts.js";
import type { LockInfo } from "./types.js";

/** Options of `list()`. */
export interface ListOptions {
  /** Only names starting with this. @defaultValue "" (all) */
  prefix?: string;
  /** At most this many locks, 1–10_000. @defaultValue 100 */
  limit?: number;
  /** Include each exclusive holder's owner token (admin use only). @defaultValue false */
  includeTokens?: boolean;
}

export async function getLock(
  store: Store,
  key: string,
  keys: string[],
  options: { includeToken?: boolean },
): Promise<LockInfo | null> {
  const [pttl, token, fence, metadata, readers, readerTtl, counter] = await store.run(
    inspectScript,
    keys,
    [],
  );
  if (pttl !== -2 && token !== "") {
    const info: LockInfo = { key, mode: "exclusive", fence, remainingTtlMs: Math.max(0, pttl), readers: 0 };
    const meta = decodeMetadata(metadata);
    if (meta !== undefined) info.metadata = meta;
    if (options.includeToken) info.token = token;
    return info;
  }
  if (readers > 0) return { key, mode: "read", fence: counter, remainingTtlMs: readerTtl, readers };
  return null;
}

/** A closed name's record (an empty token on a lock key that exists), else null. */

export async function listLocks(
  store: Store,
  options: ListOptions,
  get: (name: string) => Promise<LockInfo | null>,
): Promise<LockInfo[]> {
  const prefix = options.prefix ?? "";
  if (typeof prefix !== "string") throw new InvalidArgumentError("prefix", "must be a string");
  const limit = assertInt("limit", options.limit ?? 100, 1, 10_000);
  const out: LockInfo[] = [];
  const seen = new Set<string>();
  // Exclusive locks and read locks live under two key kinds; both are scanned, never KEYS.
  for (const kind of ["lock", "lockread"]) {
    for await (const storeKey of store.scan(store.keys.pattern(kind))) {
      const name = store.keys.nameOf(kind, storeKey);
      if (name === undefined || seen.has(name) || !name.startsWith(prefix)) continue;
      seen.add(name);
      const info = await get(name);
      if (info) out.push(info);
      if (out.length >= limit) return out;
    }
  }
  return out;
}

/** Options of `listPage()`. */
export interface ListPageOptions extends Omit<ListOptions, "limit"> {
  /** About this many locks per page, 1–10,000. @defaultValue 50 */
  limit?: number;
  /** The `nextCursor` of the previous page; omit for the first. */
  cursor?: string;
}

/**
 * One page of active locks, resumable with `nextCursor`, with bounded work per page (see
 * `scanNames`). Exclusive locks are listed from the exclusive keys and read locks from the readers'
 * keys, so a name is listed once even when both kinds of key exist.
 */
export function listLocksPage(
  store: Store,
  options: ListPageOptions,
  get: (name: string) => Promise<LockInfo | null>,
): Promise<NamesPage<LockInfo>> {
  return scanNames(store, ["lock", "lockread"], options, async (kind, name) => {
    const info = await get(name);
    return info && (info.mode === "exclusive") === (kind === "lock") ? info : null;
  });
}

export async function forceRelease(store: Store, keys: string[]): Promise<boolean> {
  const removed = (await store.run(forceReleaseScript, keys, [])) === 1;
  if (removed) lockMetrics.forced.inc();
  return removed;
}
