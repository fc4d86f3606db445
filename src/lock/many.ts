import type { Script, ScriptArg } from "../store/script.js";
import type { Store } from "../store/types.js";
import { Keyspace } from "../store/keyspace.js";
import { assertNames } from "../util/validate.js";
import { notOwnedError } from "./decode.js";
import type { LockKeys } from "./keys.js";
import { lockMetrics } from "./metrics.js";
import { MAX_MULTI_KEYS, refreshManyScripts, releaseManyScripts } from "./scripts/scripts.js";
import type { MultiLease, MultiLeaseRef } from "./types.js";

// Multi-name leases: names that share one hash slot, taken, refreshed and released all at once.

/** Validates the names of a multi-name call: 1 to {@link MAX_MULTI_KEYS} names in one slot. */
export function assertManyNames(names: readonly string[]): readonly string[] {
  const valid = assertNames("keys", names, MAX_MULTI_KEYS);
  Keyspace.assertSameSlot(valid);
  return valid;
}

/** The keys the multi-name acquire script takes: lock, fence and readers of each name, in order. */
export function acquireManyKeys(keys: LockKeys, names: readonly string[]): string[] {
  const out: string[] = [];
  for (const n of names) {
    const lockKeys = keys.of(n);
    out.push(lockKeys.lock, lockKeys.fence, lockKeys.readers);
  }
  return out;
}

/** A multi-name lease from the acquire script's success reply `{server time in ms, fence…}`. */
export function multiLeaseOf(
  names: string[],
  token: string,
  r: readonly [now: number, ...fences: number[]],
  ttlMs: number,
): MultiLease {
  const [now, ...fences] = r;
  return { keys: names, token, fences, expiresAt: now + ttlMs, ttlMs };
}

/** Extends every name of `lease` while `token` holds them all; else LockNotOwnedError naming the first. */
export async function refreshMany(
  store: Store,
  keys: LockKeys,
  lease: MultiLeaseRef,
  token: string,
  ttlMs: number,
): Promise<MultiLease> {
  const { names, reply } = await runOnAll(store, keys, lease, refreshManyScripts, [token, ttlMs]);
  return {
    keys: [...names],
    token,
    fences: (lease as Partial<MultiLease>).fences ?? [],
    expiresAt: reply + ttlMs,
    ttlMs,
  };
}

/** Releases every name of `lease` that `token` still holds; LockNotOwnedError if one was not held. */
export async function releaseMany(
  store: Store,
  keys: LockKeys,
  lease: MultiLeaseRef,
  token: string,
): Promise<void> {
  const { names } = await runOnAll(store, keys, lease, releaseManyScripts, [token]);
  lockMetrics.released.inc(names.length);
}

/**
 * Runs the multi-name refresh or release script sized for `lease`'s names, on their lock keys.
 * Returns the names and the script's number; a refusal (`[status, 1-based index]`) is counted and
 * thrown as LockNotOwnedError for that name.
 */
async function runOnAll<A extends readonly ScriptArg[]>(
  store: Store,
  keys: LockKeys,
  lease: MultiLeaseRef,
  scripts: readonly Script<A, number | [status: number, index: number]>[],
  args: A,
): Promise<{ names: readonly string[]; reply: number }> {
  const names = assertManyNames(lease.keys);
  const script = scripts[names.length];
  const reply = await store.run(
    script,
    names.map((n) => keys.lock(n)),
    args,
  );
  if (Array.isArray(reply)) {
    lockMetrics.notOwned.inc();
    throw notOwnedError(names[reply[1] - 1], reply[0], script.name);
  }
  return { names, reply };
}
