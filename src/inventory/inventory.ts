import { randomUUID } from "node:crypto";
import { InvalidArgumentError } from "../errors/invalid-argument-error.js";
import { isStoreFailure } from "../errors/store-errors.js";
import { EventSource, type Disposable } from "../observe/disposable.js";
import { Keyspace } from "../store/keyspace.js";
import type { Store } from "../store/types.js";
import { assertDurationMs, assertInt, assertName, describeValue, MAX_NAME_LENGTH } from "../util/validate.js";
import {
  decodeHold,
  decodeState,
  EXPIRY_KIND,
  ITEM_KIND,
  raise,
  splitReply,
  type CallContext,
  type Reply,
} from "./decode.js";
import { HoldExpiredError, HoldFinishedError } from "./errors.js";
import type { HoldReply } from "./scripts/scripts.js";
import { InventoryStatus } from "./status.js";
import { inventoryMetrics } from "./metrics.js";
import { adjustScript, defineItemScript, finishScript, getScript, holdScript } from "./scripts/scripts.js";
import { InventorySweeper, type InventorySweeperOptions } from "./sweeper.js";
import {
  MAX_HOLD_QUANTITY,
  MAX_ITEM_STOCK,
  resolveInventoryOptions,
  type CommitResult,
  type ExpiredHoldEvent,
  type Hold,
  type HoldLine,
  type InventoryOptions,
  type ItemState,
  type ReleaseResult,
  type HoldOptions,
  type ItemOptions,
} from "./types.js";

export type { HoldOptions, ItemOptions } from "./types.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:/;

/**
 * Stock that never oversells. Every operation is one atomic script (one round trip on Redis), so at
 * every instant, on every store, `available + held + sold === total`. An expired hold returns its
 * stock whenever someone needs it, without any sweeper: a hold (or a decrease, or `get`) that
 * finds too few units available first gives back expired holds, oldest first, as many as it needs,
 * at most `reclaimLimit` per round trip. No call pays for everyone else's leftovers. Fails closed:
 * when the store cannot answer, the typed store error is thrown and nothing is assumed.
 *
 * @example
 * const inventory = createInventory(store);
 * await inventory.defineItem("{sale-42}:sku-1", { stock: 100, perHolderLimit: 2 });
 * const hold = await inventory.hold("{sale-42}:sku-1", { holder: "user-7", quantity: 1, ttlMs: 300_000 });
 * await inventory.commit(hold.holdId); // after payment
 */
export class Inventory {
  private readonly opts: ReturnType<typeof resolveInventoryOptions>;
  private readonly expired = new EventSource<ExpiredHoldEvent>();

  constructor(
    readonly store: Store,
    options: InventoryOptions = {},
  ) {
    this.opts = resolveInventoryOptions(options);
  }

  /**
   * Creates `item` with `stock` units, or, when it exists, updates its `maxStock` and
   * `perHolderLimit` and leaves its stock alone (so every instance may call it at start-up).
   * A new `perHolderLimit` counts holds placed from then on.
   * @throws StockCapacityError when the existing total already exceeds the new `maxStock`
   * @example
   * await inventory.defineItem("sku-1", { stock: 100, maxStock: 120, perHolderLimit: 2 });
   */
  async defineItem(item: string, options: ItemOptions): Promise<ItemState & { created: boolean }> {
    assertName("item", item);
    if (typeof options !== "object" || options === null)
      throw new InvalidArgumentError("options", "must be an object");
    const stock = assertInt("stock", options.stock, 0, MAX_ITEM_STOCK);
    const max =
      options.maxStock === undefined ? 0 : assertInt("maxStock", options.maxStock, 1, MAX_ITEM_STOCK);
    const limit =
      options.perHolderLimit === undefined
        ? 0
        : assertInt("perHolderLimit", options.perHolderLimit, 1, MAX_HOLD_QUANTITY);
    if (max > 0 && stock > max) throw new InvalidArgumentError("stock", `must not exceed maxStock (${max})`);
    const reply = await this.call(defineItemScript.name, [item], () =>
      this.store.run(defineItemScript, this.keysOf(item), [
        stock,
        max,
        limit,
        this.opts.tombstoneTtlMs,
        this.opts.reclaimLimit,
      ]),
    );
    if (reply.status < 0) raise(reply, { script: defineItemScript.name, items: [item], requested: [0] });
    return { ...decodeState(item, reply.payload), created: reply.status === InventoryStatus.Again };
  }

  /**
   * Adds `units` (≥ 1) to the item's total stock. Refused whole, never clamped, when it would pass
   * `maxStock` (StockCapacityError).
   * @example
   * await inventory.restock("sku-1", 5); // a returned parcel
   */
  async restock(item: string, units: number): Promise<ItemState> {
    return this.adjust(item, assertInt("units", units, 1, MAX_ITEM_STOCK));
  }

  /**
   * Changes the item's total stock by `delta` units (non-zero). An increase past `maxStock` is
   * refused whole (StockCapacityError); a decrease larger than what is available is refused
   * (InsufficientStockError with `available`): held and sold units are never taken back.
   * @example
   * await inventory.adjust("sku-1", -2); // two units found damaged
   */
  async adjust(item: string, delta: number): Promise<ItemState> {
    assertName("item", item);
    assertInt("delta", delta, -MAX_ITEM_STOCK, MAX_ITEM_STOCK);
    if (delta === 0) throw new InvalidArgumentError("delta", "must not be 0");
    const { tombstoneTtlMs, reclaimLimit } = this.opts;
    const reply = await this.call(adjustScript.name, [item], () =>
      this.store.run(adjustScript, this.keysOf(item), [delta, tombstoneTtlMs, reclaimLimit]),
    );
    if (reply.status < 0)
      raise(reply, { script: adjustScript.name, items: [item], requested: [Math.abs(delta)] });
    return decodeState(item, reply.payload);
  }

  /**
   * The item's exact stock now: its expired holds are given back first, `reclaimLimit` of them per
   * round trip (one round trip unless more than that expired since anyone last needed them).
   * @example
   * const { available, held, sold, total } = await inventory.get("sku-1");
   */
  async get(item: string): Promise<ItemState> {
    assertName("item", item);
    const reply = await this.call(getScript.name, [item], () =>
      this.store.run(getScript, this.keysOf(item), [this.opts.tombstoneTtlMs, this.opts.reclaimLimit]),
    );
    if (reply.status < 0) raise(reply, { script: getScript.name, items: [item] });
    return decodeState(item, reply.payload);
  }

  /**
   * Reserves `quantity` units of `item` for `holder` until `ttlMs` from now, atomically, or refuses
   * with InsufficientStockError (carrying `available`) or HolderLimitError and reserves nothing.
   *
   * @example
   * const hold = await inventory.hold("sku-1", { holder: "user-7", quantity: 2, idempotencyKey: requestId });
   */
  async hold(item: string, options: HoldOptions): Promise<Hold> {
    if (typeof options !== "object" || options === null)
      throw new InvalidArgumentError("options", "must be an object");
    return this.holdCart([{ item, quantity: options.quantity ?? 1 }], options);
  }

  /**
   * Reserves several items at once, all or none (a cart). The items must share a Redis Cluster
   * hash slot: give them a common hash tag, e.g. `{sale-42}:sku-1` and `{sale-42}:sku-2`
   * (CrossSlotError otherwise, before anything is written). The idempotency key and the hold's
   * record live with the first item.
   */
  async holdCart(lines: readonly HoldLine[], options: Omit<HoldOptions, "quantity">): Promise<Hold> {
    if (!Array.isArray(lines) || lines.length === 0)
      throw new InvalidArgumentError("lines", "must be a non-empty array");
    if (lines.length > this.opts.maxCartItems) {
      throw new InvalidArgumentError(
        "lines",
        `must have at most ${this.opts.maxCartItems} items, got ${lines.length}`,
      );
    }
    if (typeof options !== "object" || options === null)
      throw new InvalidArgumentError("options", "must be an object");
    const items: string[] = [];
    const quantities: number[] = [];
    const seen = new Set<string>();
    lines.forEach((line, i) => {
      const item = assertName(lines.length === 1 ? "item" : `lines[${i}].item`, line?.item);
      if (seen.has(item)) throw new InvalidArgumentError(`lines[${i}].item`, `duplicates "${item}"`);
      seen.add(item);
      items.push(item);
      quantities.push(
        assertInt(
          lines.length === 1 ? "quantity" : `lines[${i}].quantity`,
          line.quantity,
          1,
          MAX_HOLD_QUANTITY,
        ),
      );
    });
    const holder = assertName("holder", options.holder);
    const ttlMs = assertDurationMs("ttlMs", options.ttlMs ?? this.opts.defaultHoldTtlMs);
    const idem =
      options.idempotencyKey === undefined ? "" : assertName("idempotencyKey", options.idempotencyKey);
    Keyspace.assertSameSlot(items);
    const holdId = `${randomUUID()}:${items[0]}`;
    const keys: string[] = [];
    for (const item of items) keys.push(...this.keysOf(item));
    const script = holdScript(items.length);
    const { tombstoneTtlMs, reclaimLimit } = this.opts;
    const args = [holdId, holder, ttlMs, idem, tombstoneTtlMs, reclaimLimit, ...quantities] as const;
    const reply = await this.call(script.name, items, () => this.store.run(script, keys, args));
    const ctx: CallContext = { script: script.name, items, requested: quantities, holder };
    if (reply.status === InventoryStatus.Ok) {
      let units = 0;
      for (const q of quantities) units += q;
      inventoryMetrics.holdsPlaced.inc();
      inventoryMetrics.unitsHeld.inc(units);
      const hold: Hold = {
        holdId,
        item: items[0],
        holder,
        quantity: quantities[0],
        expiresAt: reply.payload[0] as number,
        lines: items.map((item, i) => ({ item, quantity: quantities[i] })),
      };
      return hold;
    }
    if (reply.status === InventoryStatus.Again) return decodeHold(reply.payload, this.store.keys);
    if (reply.status === InventoryStatus.Insufficient || reply.status === InventoryStatus.HolderLimit) {
      inventoryMetrics.holdsRefused.inc();
    }
    raise(reply, ctx);
  }

  /**
   * Turns a live hold into a sale (every item of a cart at once). A retry after success returns
   * `committed: false` and changes nothing.
   * @throws HoldExpiredError when the hold expired (its units are back in stock: place a new hold)
   * @throws HoldFinishedError (status `released`) after a release; HoldNotFoundError when unknown
   * @example
   * const { committed } = await inventory.commit(hold.holdId);
   */
  async commit(holdId: string): Promise<CommitResult> {
    const reply = await this.finish(holdId, "commit", 0);
    const hold = decodeHold(reply.payload, this.store.keys);
    if (reply.status === InventoryStatus.Ok) {
      inventoryMetrics.holdsCommitted.inc();
      let units = 0;
      for (const l of hold.lines) units += l.quantity;
      inventoryMetrics.unitsSold.inc(units);
    }
    return { hold, committed: reply.status === InventoryStatus.Ok };
  }

  /**
   * Gives a live hold's units back to stock. Never throws for a known hold: a second release, a
   * release after expiry or after a commit changes nothing and says so in `outcome`.
   * @throws HoldNotFoundError when the id is unknown (or finished longer than `tombstoneTtlMs` ago)
   * @example
   * const { outcome } = await inventory.release(hold.holdId); // "released", "already-released", …
   */
  async release(holdId: string): Promise<ReleaseResult> {
    let reply: Reply;
    try {
      reply = await this.finish(holdId, "release", 0);
    } catch (e) {
      if (e instanceof HoldExpiredError) return { holdId, outcome: "expired" };
      if (e instanceof HoldFinishedError) return { holdId, outcome: "committed" };
      throw e;
    }
    if (reply.status === InventoryStatus.Ok) {
      inventoryMetrics.holdsReleased.inc();
      return { holdId, outcome: "released" };
    }
    return { holdId, outcome: "already-released" };
  }

  /**
   * Gives a live hold a new lifetime of `ttlMs` from now (not added to what is left).
   * @throws HoldExpiredError, HoldFinishedError, HoldNotFoundError
   * @example
   * await inventory.extend(hold.holdId, 120_000); // the payment page needs two more minutes
   */
  async extend(holdId: string, ttlMs: number): Promise<Hold> {
    assertDurationMs("ttlMs", ttlMs);
    const reply = await this.finish(holdId, "extend", ttlMs);
    return decodeHold(reply.payload, this.store.keys);
  }

  /**
   * Subscribes to holds whose units went back to stock because their TTL ran out, reclaimed by a
   * call of this instance (including its sweeper); one event per item line.
   * @example
   * const sub = inventory.onExpired((e) => log.info(e, "hold expired"));
   * sub.dispose();
   */
  onExpired(listener: (event: ExpiredHoldEvent) => void): Disposable {
    return this.expired.on(listener);
  }

  /**
   * Starts a background sweeper that visits every item with pending expiries each `intervalMs`,
   * so expired units come back (and `onExpired` fires) promptly and finished holds' records are
   * dropped, in calls of at most `reclaimLimit` entries each. Correctness never depends on it: a
   * hold that needs expired units reclaims them itself.
   * @example
   * const sweeper = inventory.startSweeper({ intervalMs: 1000 });
   * await sweeper.stop();
   */
  startSweeper(options: InventorySweeperOptions = {}): InventorySweeper {
    return new InventorySweeper(this.store, options, async (item) => {
      await this.get(item).catch((e: unknown) => {
        if (isStoreFailure(e)) throw e;
      });
    });
  }

  private async finish(
    holdId: string,
    action: "commit" | "release" | "extend",
    ttlMs: number,
  ): Promise<Reply> {
    const item = parseHoldId(holdId);
    const script = finishScript;
    const reply = await this.call(script.name, [item], () =>
      this.store.run(script, this.keysOf(item), [holdId, action, this.opts.tombstoneTtlMs, ttlMs]),
    );
    if (reply.status < 0) raise(reply, { script: script.name, items: [item], holdId });
    return reply;
  }

  private keysOf(item: string): [string, string] {
    return [this.store.keys.key(ITEM_KIND, item), this.store.keys.key(EXPIRY_KIND, item)];
  }

  /**
   * Runs one script until it decides (a reply other than MORE: a call that spent its reclaim limit
   * is run again, each time a bounded amount of work), decodes its envelope and reports the
   * expired holds each run gave back.
   */
  private async call(
    script: string,
    items: readonly string[],
    run: () => Promise<HoldReply>,
  ): Promise<Reply> {
    for (;;) {
      const reply = this.report(splitReply(await run(), script), items);
      if (reply.status !== InventoryStatus.More) return reply;
      inventoryMetrics.reclaimRounds.inc();
    }
  }

  private report(reply: Reply, items: readonly string[]): Reply {
    const r = reply.reclaimed;
    if (r.length > 0) {
      for (let i = 0; i < r.length; i += 4) {
        const event: ExpiredHoldEvent = {
          holdId: r[i + 1] as string,
          item: items[r[i] as number] ?? items[0],
          holder: r[i + 2] as string,
          quantity: r[i + 3] as number,
        };
        inventoryMetrics.linesExpired.inc();
        inventoryMetrics.unitsExpired.inc(event.quantity);
        this.expired.emit(event);
      }
    }
    return reply;
  }
}

/** The first item of a hold, read from its id (`<uuid>:<item>`). */
function parseHoldId(holdId: unknown): string {
  if (typeof holdId !== "string" || holdId.length > 37 + MAX_NAME_LENGTH || !UUID.test(holdId)) {
    throw new InvalidArgumentError(
      "holdId",
      `must be an id returned by hold(), got ${describeValue(holdId)}`,
    );
  }
  return assertName("holdId", holdId.slice(37));
}

/**
 * Creates an {@link Inventory} on `store` (memory or Redis: same behaviour).
 * @example
 * const inventory = createInventory(await createStore(), { defaultHoldTtlMs: 120_000 });
 */
export function createInventory(store: Store, options: InventoryOptions = {}): Inventory {
  return new Inventory(store, options);
}
