/**
 * No call pays for what others left behind: 100,000 read leases expire unreleased while one reader
 * stays live, then each lock script that meets the readers runs once and must remove at most 100 of
 * them (counted as the expired members of the readers set before and after), while answering as
 * if they were gone.
 */
import { randomUUID } from "node:crypto";
import { beforeAll, expect, it } from "vitest";
import { createLocks, READERS_KIND, type Locks } from "../../src/lock/locks.js";
import { census, seedZset } from "../fixtures/census.js";
import { describeStores } from "../support/stores.js";

const LEFTOVERS = 100_000;

describeStores(
  "lock: one call's work stays bounded after 100,000 expired read leases",
  ({ store }) => {
    let locks: Locks;
    const key = `catalog-${randomUUID().slice(0, 8)}`;
    let readers: string;
    const due = async () => (await census(store(), readers, "zset")).due;

    beforeAll(async () => {
      locks = createLocks(store());
      readers = store().keys.key(READERS_KIND, key);
      await locks.acquireRead(key, { ttlMs: 60_000 });
      await seedZset(store(), [readers, readers], "crashed-", LEFTOVERS, Date.now() - 60_000);
      expect(await due()).toBe(LEFTOVERS);
    }, 120_000);

    it("acquire (writer): refused for the one live reader, at most 100 expired removed", async () => {
      await expect(locks.acquire(key, { ttlMs: 1000 })).rejects.toMatchObject({ readers: 1 });
      expect(await due()).toBe(LEFTOVERS - 100);
    });

    it("acquireRead, get: the live reader only, at most 100 expired removed per call", async () => {
      await locks.acquireRead(key, { ttlMs: 60_000 });
      expect(await due()).toBe(LEFTOVERS - 200);
      expect(await locks.get(key)).toMatchObject({ mode: "read", readers: 2 });
      expect(await due()).toBe(LEFTOVERS - 200);
    });
  },
  { targets: ["memory", "redis"] },
);
