import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { describeStores } from "../support/stores.js";
import {
  createInventory,
  HoldExpiredError,
  HoldFinishedError,
  HoldNotFoundError,
  HolderLimitError,
  InsufficientStockError,
  ItemNotFoundError,
  StockCapacityError,
  type ExpiredHoldEvent,
  type Inventory,
} from "../../src/inventory/index.js";
import { CrossSlotError } from "../../src/errors/store-errors.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const uid = () => randomUUID().slice(0, 8);

async function expectInvariant(inv: Inventory, item: string, total?: number) {
  const s = await inv.get(item);
  expect(s.available + s.held + s.sold).toBe(s.total);
  expect(s.available).toBeGreaterThanOrEqual(0);
  if (total !== undefined) expect(s.total).toBe(total);
  return s;
}

describeStores("inventory", ({ store }) => {
  it("holds, commits and releases, keeping available + held + sold = total", async () => {
    const inv = createInventory(store());
    const item = `sku-${uid()}`;
    const d = await inv.defineItem(item, { stock: 10 });
    expect(d).toMatchObject({ created: true, total: 10, available: 10, held: 0, sold: 0, maxStock: null });
    const h1 = await inv.hold(item, { holder: "u1", quantity: 3, ttlMs: 60_000 });
    expect(h1).toMatchObject({ item, holder: "u1", quantity: 3, lines: [{ item, quantity: 3 }] });
    expect(h1.expiresAt).toBeGreaterThan(Date.now() + 50_000);
    const h2 = await inv.hold(item, { holder: "u2", quantity: 7, ttlMs: 60_000 });
    expect(await expectInvariant(inv, item)).toMatchObject({ available: 0, held: 10, sold: 0 });
    const refused = await inv.hold(item, { holder: "u3", quantity: 1 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(InsufficientStockError);
    expect(refused).toMatchObject({ code: "HOLDFAST_INSUFFICIENT_STOCK", available: 0, requested: 1, item });
    expect(await inv.commit(h1.holdId)).toMatchObject({
      committed: true,
      hold: { holdId: h1.holdId, quantity: 3 },
    });
    expect(await inv.release(h2.holdId)).toEqual({ holdId: h2.holdId, outcome: "released" });
    expect(await expectInvariant(inv, item)).toMatchObject({ available: 7, held: 0, sold: 3 });
    // Retries and late calls change nothing and say why.
    expect(await inv.commit(h1.holdId)).toMatchObject({ committed: false });
    expect(await inv.release(h2.holdId)).toEqual({ holdId: h2.holdId, outcome: "already-released" });
    expect(await inv.release(h1.holdId)).toEqual({ holdId: h1.holdId, outcome: "committed" });
    await expect(inv.commit(h2.holdId)).rejects.toMatchObject({
      status: "released",
      code: "HOLDFAST_HOLD_FINISHED",
    });
    await expect(inv.extend(h1.holdId, 1000)).rejects.toBeInstanceOf(HoldFinishedError);
    await expect(inv.commit(`${randomUUID()}:${item}`)).rejects.toBeInstanceOf(HoldNotFoundError);
    expect(await expectInvariant(inv, item)).toMatchObject({ available: 7, held: 0, sold: 3 });
  });

  it("gives an expired hold's stock back by itself, and refuses to commit it", async () => {
    const inv = createInventory(store());
    const item = `sku-${uid()}`;
    const events: ExpiredHoldEvent[] = [];
    inv.onExpired((e) => events.push(e));
    await inv.defineItem(item, { stock: 5 });
    const h = await inv.hold(item, { holder: "u1", quantity: 5, ttlMs: 40 });
    await sleep(120);
    // No sweeper runs: the read itself reclaims.
    expect(await expectInvariant(inv, item)).toMatchObject({ available: 5, held: 0 });
    expect(events).toEqual([{ holdId: h.holdId, item, holder: "u1", quantity: 5 }]);
    const err = await inv.commit(h.holdId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HoldExpiredError);
    expect((err as HoldExpiredError).expiredAt).toBe(h.expiresAt);
    expect(await inv.release(h.holdId)).toEqual({ holdId: h.holdId, outcome: "expired" });
    await expect(inv.extend(h.holdId, 1000)).rejects.toBeInstanceOf(HoldExpiredError);
    expect(await expectInvariant(inv, item)).toMatchObject({ available: 5, held: 0, sold: 0 });
  });

  it("extends a live hold from now", async () => {
    const inv = createInventory(store());
    const item = `sku-${uid()}`;
    await inv.defineItem(item, { stock: 2 });
    const h = await inv.hold(item, { holder: "u1", ttlMs: 150 });
    const e = await inv.extend(h.holdId, 60_000);
    expect(e.expiresAt).toBeGreaterThan(h.expiresAt + 50_000);
    await sleep(250);
    expect((await inv.get(item)).held).toBe(1);
    expect((await inv.commit(h.holdId)).committed).toBe(true);
  });

  it("returns the same hold for a retried idempotency key, even with other arguments", async () => {
    const inv = createInventory(store());
    const item = `sku-${uid()}`;
    await inv.defineItem(item, { stock: 3 });
    const key = `req-${uid()}`;
    const a = await inv.hold(item, { holder: "u1", quantity: 2, idempotencyKey: key });
    const b = await inv.hold(item, { holder: "u1", quantity: 2, idempotencyKey: key });
    expect(b).toEqual(a);
    expect((await inv.get(item)).held).toBe(2);
    await inv.commit(a.holdId);
    await expect(inv.hold(item, { holder: "u1", quantity: 2, idempotencyKey: key })).rejects.toMatchObject({
      holdId: a.holdId,
      status: "committed",
    });
    expect(await expectInvariant(inv, item)).toMatchObject({ sold: 2, held: 0, available: 1 });
  });

  it("forgets a finished hold after tombstoneTtlMs", async () => {
    const inv = createInventory(store(), { tombstoneTtlMs: 50 });
    const item = `sku-${uid()}`;
    await inv.defineItem(item, { stock: 1 });
    const key = `req-${uid()}`;
    const h = await inv.hold(item, { holder: "u1", idempotencyKey: key });
    await inv.release(h.holdId);
    expect((await inv.release(h.holdId)).outcome).toBe("already-released");
    await sleep(150);
    await expect(inv.release(h.holdId)).rejects.toBeInstanceOf(HoldNotFoundError);
    // The key is free again: a new hold.
    const h2 = await inv.hold(item, { holder: "u1", idempotencyKey: key });
    expect(h2.holdId).not.toBe(h.holdId);
  });

  it("enforces a per-holder limit on held + bought units", async () => {
    const inv = createInventory(store());
    const item = `sku-${uid()}`;
    await inv.defineItem(item, { stock: 10, perHolderLimit: 2 });
    const a = await inv.hold(item, { holder: "u1", quantity: 1 });
    await inv.commit(a.holdId);
    const b = await inv.hold(item, { holder: "u1", quantity: 1 });
    const err = await inv.hold(item, { holder: "u1", quantity: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HolderLimitError);
    expect(err).toMatchObject({ limit: 2, current: 2, requested: 1, holder: "u1" });
    await inv.release(b.holdId); // a release frees the holder's quota, a sale does not
    await inv.hold(item, { holder: "u1", quantity: 1 });
    await expect(inv.hold(item, { holder: "u1", quantity: 1 })).rejects.toBeInstanceOf(HolderLimitError);
    await inv.hold(item, { holder: "u2", quantity: 2 });
    expect(await expectInvariant(inv, item)).toMatchObject({ sold: 1, held: 3, available: 6 });
  });

  it("restocks up to maxStock and refuses (never clamps) beyond it", async () => {
    const inv = createInventory(store());
    const item = `sku-${uid()}`;
    await inv.defineItem(item, { stock: 8, maxStock: 10 });
    expect(await inv.restock(item, 2)).toMatchObject({ total: 10, available: 10, maxStock: 10 });
    const err = await inv.restock(item, 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StockCapacityError);
    expect(err).toMatchObject({ maxStock: 10, total: 10, requested: 1 });
    await inv.hold(item, { holder: "u", quantity: 6 });
    await expect(inv.adjust(item, -5)).rejects.toMatchObject({ available: 4 });
    expect(await inv.adjust(item, -4)).toMatchObject({ total: 6, available: 0, held: 6 });
    // Defining again keeps the stock and updates the limits.
    expect(await inv.defineItem(item, { stock: 15, maxStock: 20 })).toMatchObject({
      created: false,
      total: 6,
      maxStock: 20,
    });
    await expect(inv.defineItem(item, { stock: 0, maxStock: 5 })).rejects.toBeInstanceOf(StockCapacityError);
    await expectInvariant(inv, item, 6);
  });

  it("holds a cart all or none, and commits it at once", async () => {
    const inv = createInventory(store());
    const sale = `{sale-${uid()}}`;
    const [a, b, c] = [`${sale}:a`, `${sale}:b`, `${sale}:c`];
    await inv.defineItem(a, { stock: 5 });
    await inv.defineItem(b, { stock: 1 });
    await inv.defineItem(c, { stock: 5 });
    const err = await inv
      .holdCart(
        [
          { item: a, quantity: 2 },
          { item: b, quantity: 2 },
        ],
        { holder: "u1" },
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InsufficientStockError);
    expect(err).toMatchObject({ item: b, available: 1, requested: 2 });
    expect((await inv.get(a)).held).toBe(0);
    const cart = await inv.holdCart(
      [
        { item: a, quantity: 2 },
        { item: b, quantity: 1 },
        { item: c, quantity: 3 },
      ],
      { holder: "u1", ttlMs: 60_000 },
    );
    expect(cart.lines).toEqual([
      { item: a, quantity: 2 },
      { item: b, quantity: 1 },
      { item: c, quantity: 3 },
    ]);
    const done = await inv.commit(cart.holdId);
    expect(done.hold.lines).toEqual(cart.lines);
    expect(await expectInvariant(inv, a)).toMatchObject({ sold: 2, held: 0 });
    expect(await expectInvariant(inv, b)).toMatchObject({ sold: 1, available: 0 });
    expect(await expectInvariant(inv, c)).toMatchObject({ sold: 3, available: 2 });
  });

  it("expires and releases every item of a cart", async () => {
    const inv = createInventory(store());
    const sale = `{sale-${uid()}}`;
    const [a, b] = [`${sale}:a`, `${sale}:b`];
    await inv.defineItem(a, { stock: 5, perHolderLimit: 5 });
    await inv.defineItem(b, { stock: 5 });
    const lines = [
      { item: a, quantity: 2 },
      { item: b, quantity: 3 },
    ];
    const r = await inv.holdCart(lines, { holder: "u1" });
    expect((await inv.release(r.holdId)).outcome).toBe("released");
    expect(await expectInvariant(inv, a)).toMatchObject({ held: 0, available: 5 });
    expect(await expectInvariant(inv, b)).toMatchObject({ held: 0, available: 5 });
    const x = await inv.holdCart(lines, { holder: "u1", ttlMs: 40 });
    await sleep(120);
    expect(await expectInvariant(inv, b)).toMatchObject({ held: 0, available: 5 });
    await expect(inv.commit(x.holdId)).rejects.toBeInstanceOf(HoldExpiredError);
    expect(await expectInvariant(inv, a)).toMatchObject({ held: 0, available: 5 });
    // The holder's quota came back with the expiry.
    await inv.hold(a, { holder: "u1", quantity: 5 });
  });

  it("refuses a cart across hash slots before writing anything", async () => {
    const inv = createInventory(store());
    const a = `x-${uid()}`;
    const b = `y-${uid()}`;
    await inv.defineItem(a, { stock: 5 });
    await inv.defineItem(b, { stock: 5 });
    await expect(
      inv.holdCart(
        [
          { item: a, quantity: 1 },
          { item: b, quantity: 1 },
        ],
        { holder: "u" },
      ),
    ).rejects.toBeInstanceOf(CrossSlotError);
    expect((await inv.get(a)).held).toBe(0);
  });

  it("reports unknown items", async () => {
    const inv = createInventory(store());
    const item = `nope-${uid()}`;
    await expect(inv.get(item)).rejects.toBeInstanceOf(ItemNotFoundError);
    await expect(inv.hold(item, { holder: "u" })).rejects.toMatchObject({
      item,
      code: "HOLDFAST_ITEM_NOT_FOUND",
    });
    await expect(inv.restock(item, 1)).rejects.toBeInstanceOf(ItemNotFoundError);
  });

  it("the sweeper gives expired stock back in the background and emits events", async () => {
    const inv = createInventory(store());
    const item = `sku-${uid()}`;
    await inv.defineItem(item, { stock: 4 });
    const events: ExpiredHoldEvent[] = [];
    inv.onExpired((e) => events.push(e));
    await inv.hold(item, { holder: "u1", quantity: 4, ttlMs: 30 });
    const sweeper = inv.startSweeper({ intervalMs: 50 });
    try {
      for (let i = 0; i < 150 && (events.length === 0 || sweeper.passes === 0); i++) await sleep(20);
    } finally {
      await sweeper.stop();
    }
    expect(events).toMatchObject([{ item, holder: "u1", quantity: 4 }]);
    expect(sweeper.passes).toBeGreaterThan(0);
  });
});
