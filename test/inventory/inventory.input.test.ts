/** Bad input: a typed InvalidArgumentError naming the field, thrown before anything is written. */
import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { describeStores } from "../support/stores.js";
import { InvalidArgumentError } from "../../src/errors/invalid-argument-error.js";
import { createInventory, type Inventory } from "../../src/inventory/index.js";
import type { Store } from "../../src/store/types.js";

async function snapshot(store: Store, inv: Inventory, item: string) {
  const keys: string[] = [];
  for await (const k of store.scan(`${store.keys.prefix}*`)) keys.push(k);
  return { state: await inv.get(item), keys: keys.sort() };
}

describeStores("inventory input validation", ({ store }) => {
  it("refuses bad input with a typed error and writes nothing", async () => {
    const inv = createInventory(store());
    const item = `sku-${randomUUID().slice(0, 8)}`;
    await inv.defineItem(item, { stock: 10 });
    const live = await inv.hold(item, { holder: "u", quantity: 1, ttlMs: 60_000 });
    const long = "x".repeat(513);
    const cases: [field: string, call: () => Promise<unknown>][] = [
      ["quantity", () => inv.hold(item, { holder: "u", quantity: 0 })],
      ["quantity", () => inv.hold(item, { holder: "u", quantity: -1 })],
      ["quantity", () => inv.hold(item, { holder: "u", quantity: 1.5 })],
      ["quantity", () => inv.hold(item, { holder: "u", quantity: Number.NaN })],
      ["quantity", () => inv.hold(item, { holder: "u", quantity: "2" as unknown as number })],
      ["ttlMs", () => inv.hold(item, { holder: "u", ttlMs: 0 })],
      ["ttlMs", () => inv.hold(item, { holder: "u", ttlMs: -5 })],
      ["ttlMs", () => inv.hold(item, { holder: "u", ttlMs: 2 ** 31 })],
      ["ttlMs", () => inv.hold(item, { holder: "u", ttlMs: 10.5 })],
      ["ttlMs", () => inv.extend(live.holdId, 0)],
      ["item", () => inv.hold("", { holder: "u" })],
      ["item", () => inv.hold(long, { holder: "u" })],
      ["item", () => inv.hold("bad\nname", { holder: "u" })],
      ["holder", () => inv.hold(item, { holder: long })],
      ["holder", () => inv.hold(item, { holder: "" })],
      ["idempotencyKey", () => inv.hold(item, { holder: "u", idempotencyKey: long })],
      ["holdId", () => inv.commit("not-a-hold")],
      ["holdId", () => inv.release(`${randomUUID()}:${long}`)],
      ["holdId", () => inv.extend(42 as unknown as string, 1000)],
      ["units", () => inv.restock(item, 0)],
      ["units", () => inv.restock(item, 2.5)],
      ["delta", () => inv.adjust(item, 0)],
      ["delta", () => inv.adjust(item, 0.5)],
      ["stock", () => inv.defineItem(`new-${randomUUID()}`, { stock: -1 })],
      ["stock", () => inv.defineItem(`new-${randomUUID()}`, { stock: 11, maxStock: 10 })],
      ["perHolderLimit", () => inv.defineItem(item, { stock: 10, perHolderLimit: 0 })],
      ["maxStock", () => inv.defineItem(item, { stock: 10, maxStock: 0 })],
      ["lines", () => inv.holdCart([], { holder: "u" })],
      [
        "lines[1].item",
        () =>
          inv.holdCart(
            [
              { item, quantity: 1 },
              { item, quantity: 1 },
            ],
            { holder: "u" },
          ),
      ],
    ];
    const before = await snapshot(store(), inv, item);
    for (const [field, call] of cases) {
      const err = await call().then(
        () => new Error(`accepted bad ${field}`),
        (e: unknown) => e,
      );
      expect(err, field).toBeInstanceOf(InvalidArgumentError);
      expect((err as InvalidArgumentError).field).toBe(field);
      expect((err as InvalidArgumentError).code).toBe("HOLDFAST_INVALID_ARGUMENT");
    }
    expect(await snapshot(store(), inv, item)).toEqual(before);
  });

  it("validates options once, at construction", () => {
    expect(() => createInventory(store(), { defaultHoldTtlMs: 0 })).toThrow(InvalidArgumentError);
    expect(() => createInventory(store(), { tombstoneTtlMs: -1 })).toThrow(/tombstoneTtlMs/);
    expect(() => createInventory(store(), { maxCartItems: 0 })).toThrow(/maxCartItems/);
    expect(() => createInventory(store()).startSweeper({ intervalMs: 0 })).toThrow(/intervalMs/);
  });
});
