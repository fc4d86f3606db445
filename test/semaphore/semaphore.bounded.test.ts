/**
 * No call pays for what others left behind: 100,000 permits expire unreleased (crashed holders),
 * then each semaphore script runs once and must remove at most its reclaim limit of them (counted
 * as the expired members of the holders set before and after), while answering as if they were
 * gone: expired permits never count.
 */
import { randomUUID } from "node:crypto";
import { beforeAll, expect, it } from "vitest";
import { createSemaphores, type Semaphores } from "../../src/semaphore/index.js";
import { census, seedZset } from "../fixtures/census.js";
import { describeStores } from "../support/stores.js";

const LEFTOVERS = 100_000;
const LIMIT = 100;

describeStores(
  "semaphore: one call's work stays bounded after 100,000 expired permits",
  ({ store }) => {
    let sem: Semaphores;
    const name = `crashy-${randomUUID().slice(0, 8)}`;
    let keys: [string, string];
    const due = async () => (await census(store(), keys[0], "zset")).due;

    beforeAll(async () => {
      sem = createSemaphores(store(), { reclaimLimit: LIMIT });
      keys = [store().keys.key("sem", name), store().keys.key("sem-meta", name)];
      await seedZset(store(), keys, "crashed-", LEFTOVERS, Date.now() - 60_000, '{"host":"gone"}');
      expect(await due()).toBe(LEFTOVERS);
    }, 120_000);

    it("acquire: a limit of 1 is free, and one call removes at most the reclaim limit", async () => {
      const p = await sem.acquire(name, { limit: 1, ttlMs: 60_000, owner: "alive" });
      expect(p.holders).toBe(1);
      expect(await due()).toBe(LEFTOVERS - LIMIT);
      await expect(sem.tryAcquire(name, { limit: 1 })).resolves.toMatchObject({
        acquired: false,
        holders: 1,
      });
      expect(await due()).toBe(LEFTOVERS - 2 * LIMIT);
    });

    it("count, refresh, holders: live permits only, the reclaim limit each", async () => {
      expect(await sem.count(name)).toBe(1);
      expect(await due()).toBe(LEFTOVERS - 3 * LIMIT);
      await sem.refresh({ name, token: "alive" }, 60_000);
      expect(await due()).toBe(LEFTOVERS - 4 * LIMIT);
      const page = await sem.holdersPage(name, { limit: 10 });
      expect(page.items.map((h) => h.token)).toEqual(["alive"]);
      expect(page.nextCursor).toBeNull();
      expect(await due()).toBe(LEFTOVERS - 5 * LIMIT);
    });

    it("release: an expired permit is not held, and removing it is all it costs", async () => {
      await expect(sem.release({ name, token: "crashed-99999" })).rejects.toMatchObject({
        code: "HOLDFAST_SEMAPHORE_PERMIT_NOT_HELD",
      });
      expect(await due()).toBe(LEFTOVERS - 6 * LIMIT - 1);
      expect(await sem.release({ name, token: "alive" })).toBe(0);
      // The last live permit gone, both keys go with it: no leftover outlives the semaphore.
      expect((await census(store(), keys[0], "zset")).size).toBe(0);
      expect((await census(store(), keys[1], "hash")).size).toBe(0);
    });

    it("holders: pages through many live holders, each page one bounded call", async () => {
      const many = `many-${randomUUID().slice(0, 8)}`;
      await Promise.all(
        Array.from({ length: 250 }, (_, i) =>
          sem.acquire(many, { limit: 1000, ttlMs: 60_000, owner: `o${String(i).padStart(3, "0")}` }),
        ),
      );
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await sem.holdersPage(many, { limit: 100, cursor });
        seen.push(...page.items.map((h) => h.token));
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(new Set(seen).size).toBe(250);
      expect((await sem.holders(many)).length).toBe(250);
      await expect(sem.holdersPage(many, { cursor: "not-a-cursor!" })).rejects.toMatchObject({
        field: "cursor",
      });
    });
  },
  { targets: ["memory", "redis"] },
);
