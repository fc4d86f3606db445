/**
 * The "flash sale end to end" example of docs/inventory.md, run as written (the admission loop's
 * body runs once instead of on an interval), on the default store: the page's calls must exist and
 * do what the page says.
 */
import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { createInventory, createSessions, createStore, createWaitingRoom } from "../../src/index.js";

it("docs/inventory.md: a flash sale end to end", async () => {
  const store = await createStore({ type: "memory" });
  const token = randomUUID();
  const userId = "user-7";
  const requestId = randomUUID();
  const inventory = createInventory(store, { defaultHoldTtlMs: 300_000 });
  const rooms = createWaitingRoom(store, { heartbeatTtlMs: 30_000, admissionTtlMs: 600_000 });
  const sessions = createSessions<{ roles: string[] }>(store);

  const SALE = "sale-42";
  const SKU = "{sale-42}:sku-1";
  await inventory.defineItem(SKU, { stock: 100, perHolderLimit: 1 });
  const sweeper = inventory.startSweeper({ intervalMs: 1000 });
  try {
    await sessions.put(token, { user: userId, data: { roles: ["buyer"] } });

    await rooms.join(SALE, userId);
    const p = await rooms.position(SALE, userId);
    expect(p).toMatchObject({ state: "queued", position: 1 });

    const { available } = await inventory.get(SKU);
    if (available > 0) await rooms.admit(SALE, Math.min(50, available));

    const session = await sessions.get(token);
    if (!session || !(await rooms.isAdmitted(SALE, session.user))) throw new Error("not admitted");
    const hold = await inventory.hold(SKU, { holder: session.user, idempotencyKey: requestId });

    await inventory.commit(hold.holdId);
    expect(await inventory.get(SKU)).toMatchObject({ total: 100, available: 99, held: 0, sold: 1 });
  } finally {
    await sweeper.stop();
    await store.close();
  }
});
