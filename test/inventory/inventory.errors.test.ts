/** The error registry: every inventory error is exported, typed, guarded and documented; metrics count. */
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import * as api from "../../src/index.js";
import { holdfastRegistry } from "../../src/observe/metrics.js";
import { createStore } from "../../src/store/create-store.js";
import { createInventory } from "../../src/inventory/index.js";

const ERRORS = [
  "InsufficientStockError",
  "HolderLimitError",
  "ItemNotFoundError",
  "StockCapacityError",
  "HoldNotFoundError",
  "HoldExpiredError",
  "HoldFinishedError",
] as const;

it("exports each error class with a stable code, a name, a guard, and documents it", () => {
  const docs = readFileSync(new URL("../../docs/inventory.md", import.meta.url), "utf8");
  const samples: Record<(typeof ERRORS)[number], Error> = {
    InsufficientStockError: new api.InsufficientStockError("i", 2, 1),
    HolderLimitError: new api.HolderLimitError("i", "h", 1, 1, 1),
    ItemNotFoundError: new api.ItemNotFoundError("i"),
    StockCapacityError: new api.StockCapacityError("i", 10, 10, 1),
    HoldNotFoundError: new api.HoldNotFoundError("x"),
    HoldExpiredError: new api.HoldExpiredError("x", 0),
    HoldFinishedError: new api.HoldFinishedError("x", "released"),
  };
  const codes = new Set<string>();
  for (const name of ERRORS) {
    const e = samples[name] as api.HoldfastError;
    expect(e).toBeInstanceOf(api.HoldfastError);
    expect(e.name).toBe(name);
    expect(e.code).toMatch(/^HOLDFAST_[A-Z_]+$/);
    codes.add(e.code);
    const guard = (api as Record<string, unknown>)[`is${name}`] as (x: unknown) => boolean;
    expect(guard(e)).toBe(true);
    expect(guard(new Error("other"))).toBe(false);
    expect(docs).toContain(name);
    expect(docs).toContain(e.code);
    expect(e.toJSON()).toMatchObject({ code: e.code });
  }
  expect(codes.size).toBe(ERRORS.length);
});

it("counts holds, sales and expiries in the metrics registry", async () => {
  let now = 1_000_000;
  const store = await createStore({ type: "memory", env: {}, clock: () => now });
  try {
    const value = async (name: string) =>
      (await holdfastRegistry.getSingleMetric(name)!.get()).values.reduce((a, v) => a + v.value, 0);
    const inv = createInventory(store);
    await inv.defineItem("m", { stock: 3 });
    const before = {
      placed: await value("holdfast_inventory_holds_placed_total"),
      sold: await value("holdfast_inventory_units_sold_total"),
      expired: await value("holdfast_inventory_holds_expired_total"),
      refused: await value("holdfast_inventory_holds_refused_total"),
    };
    const a = await inv.hold("m", { holder: "u", quantity: 2, ttlMs: 100 });
    await inv.hold("m", { holder: "u", quantity: 1, ttlMs: 10 });
    await expect(inv.hold("m", { holder: "u" })).rejects.toBeInstanceOf(api.InsufficientStockError);
    await inv.commit(a.holdId);
    now += 50;
    await inv.get("m");
    expect(await value("holdfast_inventory_holds_placed_total")).toBe(before.placed + 2);
    expect(await value("holdfast_inventory_units_sold_total")).toBe(before.sold + 2);
    expect(await value("holdfast_inventory_holds_expired_total")).toBe(before.expired + 1);
    expect(await value("holdfast_inventory_holds_refused_total")).toBe(before.refused + 1);
  } finally {
    await store.close();
  }
});
