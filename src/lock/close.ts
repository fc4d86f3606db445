/** Closing a lock name for good (`Locks.close`) and reading a closed name (`Locks.getClosed`). */
import type { Store } from "../store/types.js";
import { assertName } from "../util/validate.js";
import { refusalError } from "./decode.js";
import { lockMetrics } from "./metrics.js";
import { decodeMetadata, encodeMetadata, MAX_OWNER_CHARS, type CloseOptions } from "./options.js";
import { closeScript, inspectScript } from "./scripts/scripts.js";
import type { ClosedLock, Lease, LeaseRef } from "./types.js";

/**
 * Runs the close script for `lease` on `lockKey` (the lock key of `lease.key`): the live holder
 * ends its lease and closes the name in one step. See `Locks.close`.
 */
export async function closeLock(
  store: Store,
  lockKey: (name: string) => string,
  lease: Lease | LeaseRef,
  options: CloseOptions,
): Promise<ClosedLock> {
  const token = assertName("token", lease?.token, MAX_OWNER_CHARS);
  const key = assertName("key", lease.key);
  const replace = options.metadata !== undefined;
  const metadata = replace ? encodeMetadata(options.metadata) : "";
  const reply = await store.run(closeScript, [lockKey(key)], [token, metadata, replace ? 1 : 0]);
  if (typeof reply === "number") {
    lockMetrics.notOwned.inc();
    throw refusalError(key, reply, closeScript.name);
  }
  // {-6, the closing fence}: the name was closed already
  if (reply.length === 2) throw refusalError(key, reply, closeScript.name);
  lockMetrics.closed.inc();
  const [fence, , meta] = reply;
  const kept = decodeMetadata(meta);
  return kept === undefined ? { key, fence } : { key, fence, metadata: kept };
}

/** A closed name's record, or null when `key` is not closed; `keys` are its lock, readers and fence keys. */
export async function getClosedLock(store: Store, key: string, keys: string[]): Promise<ClosedLock | null> {
  const [pttl, token, fence, metadata] = await store.run(inspectScript, keys, []);
  if (pttl === -2 || token !== "") return null;
  const meta = decodeMetadata(metadata);
  return meta === undefined ? { key, fence } : { key, fence, metadata: meta };
}
