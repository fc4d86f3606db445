/**
 * Model-based test: random sequences of hold / cart / commit / release / extend / restock / adjust /
 * time-advance / read against a plain model, on every store, checking every result and the
 * invariant available + held + sold = total.
 *
 * Time: the memory store runs on a controlled clock (exact: every expired line of a touched item
 * must be reclaimed by that very call). On Redis, holds get either a short real TTL (30 ms) or a
 * long one (60 s) and "advance" really waits; the model learns which holds a call reclaimed from
 * the inventory's expiry events and checks that none was reclaimed early and that, after an
 * advance and a read, no short hold is left.
 */
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { createStore } from "../../src/store/create-store.js";
import type { Store } from "../../src/store/types.js";
import { storeOptions, ALL_TARGETS } from "../support/stores.js";
import {
  createInventory,
  HoldExpiredError,
  HoldFinishedError,
  HolderLimitError,
  InsufficientStockError,
  StockCapacityError,
  type ExpiredHoldEvent,
  type Hold,
  type Inventory,
} from "../../src/inventory/index.js";
import { InventoryModel, type ModelHold } from "./model.js";

interface Real {
  inv: Inventory;
  exact: boolean;
  now(): number;
  advance(ms: number): Promise<void>;
  events: ExpiredHoldEvent[];
}

const SHORT_MS = 30;
const LONG_MS = 60_000;
const HOLDERS = ["alice", "bob", "carol"];

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };
async function attempt<T>(p: Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await p };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * Applies the call's reclaim events (none may come early), then, for a call that reports exact
 * figures (get, adjust), checks that every expired line of `touched` is gone. A hold gives expired
 * lines back only when it lacks units, and a finish only its own and two more, so those are not
 * checked for completeness: the model learns what they reclaimed and expects outcomes from that.
 */
function settle(m: InventoryModel, r: Real, touched: number[], complete = true): void {
  const now = r.exact ? r.now() : Date.now() + 5;
  for (const e of r.events.splice(0)) {
    const err = m.expire(e.holdId, e.item, e.holder, e.quantity, now);
    if (err) throw new Error(err);
  }
  if (!r.exact || !complete) return;
  for (const h of m.holds) {
    for (const l of h.lines) {
      if (l.status === "live" && touched.includes(l.item) && h.expiresAt <= now) {
        throw new Error(`hold ${h.holdId} expired at ${h.expiresAt} but was not reclaimed at ${now}`);
      }
    }
  }
}

async function checkItem(m: InventoryModel, r: Real, i: number): Promise<void> {
  const s = await r.inv.get(m.items[i].name);
  settle(m, r, [i]);
  expect(s.available + s.held + s.sold).toBe(s.total);
  expect({ total: s.total, held: s.held, sold: s.sold }).toEqual({
    total: m.items[i].total,
    held: m.held(i),
    sold: m.sold(i),
  });
}

class HoldCmd implements fc.AsyncCommand<InventoryModel, Real> {
  constructor(
    readonly lines: { item: number; quantity: number }[],
    readonly holder: string,
    readonly short: boolean,
    readonly idem: string | undefined,
  ) {}
  check = () => true;
  async run(m: InventoryModel, r: Real): Promise<void> {
    const ttlMs = this.short ? SHORT_MS : LONG_MS;
    const lines = this.lines.map((l) => ({ item: m.items[l.item].name, quantity: l.quantity }));
    const before = r.now();
    const out = await attempt(
      lines.length === 1
        ? r.inv.hold(lines[0].item, {
            holder: this.holder,
            quantity: lines[0].quantity,
            ttlMs,
            idempotencyKey: this.idem,
          })
        : r.inv.holdCart(lines, { holder: this.holder, ttlMs, idempotencyKey: this.idem }),
    );
    const after = r.now();
    settle(
      m,
      r,
      this.lines.map((l) => l.item),
      false,
    );
    const idemKey = this.idem === undefined ? undefined : `${this.lines[0].item}|${this.idem}`;
    const prev = idemKey === undefined ? undefined : m.idem.get(idemKey);
    if (prev) {
      // A hold past its expiry is expired even before a call gives its units back; on Redis the
      // script's clock is only known to lie between `before` and `after`.
      const due = prev.status === "live" && prev.expiresAt <= (r.exact ? before : before - 5);
      const unsure = prev.status === "live" && !r.exact && !due && prev.expiresAt <= after + 5;
      if (unsure) {
        if (out.ok) expect(out.value.holdId).toBe(prev.holdId);
        else expect(out.error).toBeInstanceOf(HoldExpiredError);
      } else if (prev.status === "live" && !due) {
        expect(out.ok && out.value.holdId).toBe(prev.holdId);
      } else if (prev.status === "expired" || due) {
        expect(!out.ok && out.error).toBeInstanceOf(HoldExpiredError);
      } else {
        expect(!out.ok && out.error).toMatchObject({ status: prev.status, holdId: prev.holdId });
      }
      return;
    }
    for (let k = 0; k < this.lines.length; k++) {
      const { item, quantity } = this.lines[k];
      const available = m.available(item);
      if (quantity > available) {
        expect(!out.ok && out.error).toBeInstanceOf(InsufficientStockError);
        expect((out as { error: InsufficientStockError }).error).toMatchObject({
          available,
          item: lines[k].item,
        });
        return;
      }
      const limit = m.items[item].perHolderLimit;
      if (limit !== null && m.holderCount(item, this.holder) + quantity > limit) {
        expect(!out.ok && out.error).toBeInstanceOf(HolderLimitError);
        expect((out as { error: HolderLimitError }).error).toMatchObject({
          limit,
          current: m.holderCount(item, this.holder),
        });
        return;
      }
    }
    if (!out.ok) throw out.error;
    const hold: Hold = out.value;
    expect(hold.lines).toEqual(lines);
    expect(hold.expiresAt).toBeGreaterThanOrEqual(before + ttlMs - (r.exact ? 0 : 5));
    expect(hold.expiresAt).toBeLessThanOrEqual(after + ttlMs + (r.exact ? 0 : 5));
    const mh: ModelHold = {
      holdId: hold.holdId,
      holder: this.holder,
      expiresAt: hold.expiresAt,
      status: "live",
      lines: this.lines.map((l) => ({ ...l, status: "live" })),
      ...(idemKey ? { idem: idemKey } : {}),
    };
    m.holds.push(mh);
    if (idemKey) m.idem.set(idemKey, mh);
  }
  toString = () =>
    `hold(${JSON.stringify(this.lines)}, ${this.holder}, ${this.short ? "short" : "long"}, ${this.idem ?? "-"})`;
}

class FinishCmd implements fc.AsyncCommand<InventoryModel, Real> {
  constructor(
    readonly action: "commit" | "release" | "extend",
    readonly pick: number,
    readonly short: boolean,
  ) {}
  check = (m: Readonly<InventoryModel>) => m.holds.length > 0;
  async run(m: InventoryModel, r: Real): Promise<void> {
    const h = m.holds[this.pick % m.holds.length];
    const ttlMs = this.short ? SHORT_MS : LONG_MS;
    const before = r.now();
    const out = await attempt<unknown>(
      this.action === "commit"
        ? r.inv.commit(h.holdId)
        : this.action === "release"
          ? r.inv.release(h.holdId)
          : r.inv.extend(h.holdId, ttlMs),
    );
    const after = r.now();
    settle(m, r, [h.lines[0].item], false);
    if (this.action === "release") {
      const outcome = {
        live: "released",
        released: "already-released",
        committed: "committed",
        expired: "expired",
      }[h.status];
      expect(out).toEqual({ ok: true, value: { holdId: h.holdId, outcome } });
      if (h.status === "live") {
        h.status = "released";
        for (const l of h.lines) if (l.status === "live") l.status = "released";
      }
      return;
    }
    if (h.status === "expired") {
      expect(!out.ok && out.error).toBeInstanceOf(HoldExpiredError);
      expect((out as { error: HoldExpiredError }).error.expiredAt).toBe(h.expiresAt);
      return;
    }
    if (h.status === "released" || (h.status === "committed" && this.action === "extend")) {
      expect(!out.ok && out.error).toBeInstanceOf(HoldFinishedError);
      expect((out as { error: HoldFinishedError }).error.status).toBe(h.status);
      return;
    }
    if (!out.ok) throw out.error;
    if (this.action === "commit") {
      expect(out.value).toMatchObject({ committed: h.status === "live", hold: { holdId: h.holdId } });
      if (h.status === "live") {
        h.status = "committed";
        for (const l of h.lines) l.status = "sold";
      }
      return;
    }
    const extended = out.value as Hold;
    expect(extended.holdId).toBe(h.holdId);
    expect(extended.expiresAt).toBeGreaterThanOrEqual(before + ttlMs - (r.exact ? 0 : 5));
    expect(extended.expiresAt).toBeLessThanOrEqual(after + ttlMs + (r.exact ? 0 : 5));
    h.expiresAt = extended.expiresAt;
  }
  toString = () =>
    `${this.action}(#${this.pick}${this.action === "extend" ? (this.short ? ", short" : ", long") : ""})`;
}

class AdjustCmd implements fc.AsyncCommand<InventoryModel, Real> {
  constructor(
    readonly item: number,
    readonly delta: number,
    readonly viaRestock: boolean,
  ) {}
  check = () => true;
  async run(m: InventoryModel, r: Real): Promise<void> {
    const it = m.items[this.item];
    const restock = this.viaRestock && this.delta > 0;
    const out = await attempt(
      restock ? r.inv.restock(it.name, this.delta) : r.inv.adjust(it.name, this.delta),
    );
    settle(m, r, [this.item]);
    const total = it.total + this.delta;
    if (this.delta > 0 && it.maxStock !== null && total > it.maxStock) {
      expect(!out.ok && out.error).toBeInstanceOf(StockCapacityError);
      expect((out as { error: StockCapacityError }).error).toMatchObject({
        maxStock: it.maxStock,
        total: it.total,
      });
      return;
    }
    if (this.delta < 0 && total < m.held(this.item) + m.sold(this.item)) {
      expect(!out.ok && out.error).toBeInstanceOf(InsufficientStockError);
      expect((out as { error: InsufficientStockError }).error.available).toBe(m.available(this.item));
      return;
    }
    if (!out.ok) throw out.error;
    it.total = total;
    expect(out.value).toMatchObject({ total, held: m.held(this.item), sold: m.sold(this.item) });
  }
  toString = () => `${this.viaRestock && this.delta > 0 ? "restock" : "adjust"}(${this.item}, ${this.delta})`;
}

class AdvanceCmd implements fc.AsyncCommand<InventoryModel, Real> {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(m: InventoryModel, r: Real): Promise<void> {
    await r.advance(this.ms);
    const readFrom = Date.now();
    for (let i = 0; i < m.items.length; i++) await checkItem(m, r, i);
    if (!r.exact) {
      // Every short hold has now expired, and each item was read: none may be left live.
      const stale = m.holds.filter(
        (h) => h.expiresAt < readFrom - 5 && h.lines.some((l) => l.status === "live"),
      );
      expect(stale.map((h) => h.holdId)).toEqual([]);
    }
  }
  toString = () => `advance(${this.ms})`;
}

/** Time passes and nobody reads: expired lines stay until a call needs their units. */
class SleepCmd implements fc.AsyncCommand<InventoryModel, Real> {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(_m: InventoryModel, r: Real): Promise<void> {
    await r.advance(this.ms);
  }
  toString = () => `sleep(${this.ms})`;
}

class ReadCmd implements fc.AsyncCommand<InventoryModel, Real> {
  constructor(readonly item: number) {}
  check = () => true;
  async run(m: InventoryModel, r: Real): Promise<void> {
    await checkItem(m, r, this.item);
  }
  toString = () => `get(${this.item})`;
}

const NITEMS = 3;
const itemArb = fc.integer({ min: 0, max: NITEMS - 1 });
const commands = [
  fc
    .tuple(
      itemArb,
      fc.integer({ min: 1, max: 4 }),
      fc.constantFrom(...HOLDERS),
      fc.boolean(),
      fc.option(fc.constantFrom("k1", "k2"), { nil: undefined }),
    )
    .map(([item, quantity, holder, short, idem]) => new HoldCmd([{ item, quantity }], holder, short, idem)),
  fc
    .tuple(
      fc.uniqueArray(itemArb, { minLength: 2, maxLength: 3 }),
      fc.integer({ min: 1, max: 3 }),
      fc.constantFrom(...HOLDERS),
      fc.boolean(),
    )
    .map(
      ([items, quantity, holder, short]) =>
        new HoldCmd(
          items.map((item) => ({ item, quantity })),
          holder,
          short,
          undefined,
        ),
    ),
  fc
    .tuple(
      fc.constantFrom("commit" as const, "release" as const, "extend" as const),
      fc.nat(1000),
      fc.boolean(),
    )
    .map(([a, pick, short]) => new FinishCmd(a, pick, short)),
  fc
    .tuple(
      itemArb,
      fc.integer({ min: -6, max: 6 }).filter((d) => d !== 0),
      fc.boolean(),
    )
    .map(([i, d, r]) => new AdjustCmd(i, d, r)),
  fc.constantFrom(10, 40, 60).map((ms) => new AdvanceCmd(ms)),
  fc.constantFrom(10, 40, 60).map((ms) => new SleepCmd(ms)),
  itemArb.map((i) => new ReadCmd(i)),
];

const stores: Store[] = [];
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
});

describe.each(ALL_TARGETS)("inventory model [%s]", (target) => {
  const exact = target === "memory";
  let clockMs = 1_700_000_000_000;
  const opts = storeOptions(target, { clock: () => clockMs });
  it.runIf(opts !== undefined)(
    "matches the model for random command sequences, keeping the invariant",
    async () => {
      const store = await createStore(opts!);
      stores.push(store);
      await fc.assert(
        fc.asyncProperty(
          fc.commands(commands, { maxCommands: exact ? 60 : 35, size: "medium" }),
          async (cmds) => {
            const inv = createInventory(store, { tombstoneTtlMs: 3_600_000 });
            const tag = `{m-${randomUUID().slice(0, 8)}}`;
            const model = new InventoryModel([
              { name: `${tag}:limited`, total: 8, maxStock: null, perHolderLimit: 3 },
              { name: `${tag}:capped`, total: 6, maxStock: 10, perHolderLimit: null },
              { name: `${tag}:plain`, total: 5, maxStock: null, perHolderLimit: null },
            ]);
            for (const it of model.items) {
              await inv.defineItem(it.name, {
                stock: it.total,
                ...(it.maxStock ? { maxStock: it.maxStock } : {}),
                ...(it.perHolderLimit ? { perHolderLimit: it.perHolderLimit } : {}),
              });
            }
            const real: Real = {
              inv,
              exact,
              events: [],
              now: () => (exact ? clockMs : Date.now()),
              advance: async (ms) => {
                if (exact) clockMs += ms;
                else await new Promise((res) => setTimeout(res, ms));
              },
            };
            inv.onExpired((e) => real.events.push(e));
            await fc.asyncModelRun(() => ({ model, real }), cmds);
            for (let i = 0; i < NITEMS; i++) await checkItem(model, real, i);
          },
        ),
        { numRuns: exact ? 150 : 20 },
      );
    },
    60_000,
  );
});
