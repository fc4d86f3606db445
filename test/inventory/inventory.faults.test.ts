/**
 * Fault: stock operations fail closed with a typed store error while Redis is down, and the
 * invariant holds after it comes back (AOF on, so the data survives the crash).
 */
import { describe, expect, it, inject } from "vitest";
import { expectStoreFailures, onPrivateRedis } from "../support/faults.js";
import { createInventory, type Hold } from "../../src/inventory/index.js";

const hasRedis = inject("redisPort") !== null;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(hasRedis)("inventory against a Redis that crashes", () => {
  const fault = onPrivateRedis({ args: ["--appendonly", "yes", "--appendfsync", "always"] });

  it("fails closed while the store is down and keeps available + held + sold = total", async () => {
    const { redis, store } = fault;
    const inv = createInventory(store);
    const item = "fault-sku";
    await inv.defineItem(item, { stock: 50 });
    const held: Hold[] = [];
    for (let i = 0; i < 5; i++)
      held.push(await inv.hold(item, { holder: `u${i}`, quantity: 2, ttlMs: 60_000 }));
    const short = await inv.hold(item, { holder: "late", quantity: 3, ttlMs: 500 });
    await inv.commit(held[0].holdId);
    await inv.release(held[1].holdId);

    await redis.kill();
    const calls: Promise<unknown>[] = [
      inv.hold(item, { holder: "x", quantity: 1 }),
      inv.commit(held[2].holdId),
      inv.release(held[3].holdId),
      inv.extend(held[4].holdId, 60_000),
      inv.restock(item, 5),
      inv.adjust(item, -1),
      inv.get(item),
      inv.defineItem("fault-other", { stock: 1 }),
    ];
    const results = await Promise.allSettled(calls);
    expectStoreFailures(results, { orClosed: true });

    await sleep(600); // the short hold expires while Redis is down
    await redis.start();
    let state: Awaited<ReturnType<typeof inv.get>> | undefined;
    for (let i = 0; i < 100 && !state; i++) {
      state = await inv.get(item).catch(async () => {
        await sleep(50);
        return undefined;
      });
    }
    expect(state).toMatchObject({ total: 50, sold: 2, held: 6, available: 42 });
    expect(state!.available + state!.held + state!.sold).toBe(state!.total);
    // The holds placed before the crash still work, and the expired one is refused.
    expect((await inv.commit(held[2].holdId)).committed).toBe(true);
    await expect(inv.commit(short.holdId)).rejects.toMatchObject({ code: "HOLDFAST_HOLD_EXPIRED" });
    expect(await inv.get(item)).toMatchObject({ total: 50, sold: 4, held: 4, available: 42 });
  });
});
