import { HoldfastError } from "../errors/holdfast-error.js";

/**
 * A hold (or a stock decrease) asked for more units than are available. Nothing was reserved.
 * `available` is the quantity that could have been held at that instant.
 */
export class InsufficientStockError extends HoldfastError {
  readonly code = "HOLDFAST_INSUFFICIENT_STOCK";
  readonly item: string;
  readonly requested: number;
  /** Units available (total − held − sold) when the request was refused. */
  readonly available: number;

  constructor(item: string, requested: number, available: number) {
    super(
      `Item "${item}": ${requested} requested but only ${available} available; nothing was reserved. ` +
        (available > 0 ? `Ask for at most ${available}, ` : "The item is sold out or fully held: ") +
        `held units come back when their holds are released or expire.`,
    );
    this.item = item;
    this.requested = requested;
    this.available = available;
  }
}

/** The holder would exceed the item's `perHolderLimit` (held + bought). Nothing was reserved. */
export class HolderLimitError extends HoldfastError {
  readonly code = "HOLDFAST_HOLDER_LIMIT";
  readonly item: string;
  readonly holder: string;
  readonly limit: number;
  /** Units this holder already holds or bought. */
  readonly current: number;
  readonly requested: number;

  constructor(item: string, holder: string, limit: number, current: number, requested: number) {
    super(
      `Holder "${holder}" may have at most ${limit} of item "${item}" (held + bought) and has ${current}; ` +
        `${requested} more were refused. Ask for at most ${Math.max(0, limit - current)}.`,
    );
    this.item = item;
    this.holder = holder;
    this.limit = limit;
    this.current = current;
    this.requested = requested;
  }
}

/** The item was never defined. Call `defineItem(item, { stock })` first. Nothing was written. */
export class ItemNotFoundError extends HoldfastError {
  readonly code = "HOLDFAST_ITEM_NOT_FOUND";
  readonly item: string;
  constructor(item: string) {
    super(`Item "${item}" does not exist: call defineItem("${item}", { stock }) first.`);
    this.item = item;
  }
}

/** A stock increase would pass the item's `maxStock`. Refused whole (never clamped); nothing changed. */
export class StockCapacityError extends HoldfastError {
  readonly code = "HOLDFAST_STOCK_CAPACITY";
  readonly item: string;
  readonly maxStock: number;
  /** The item's total stock when the change was refused. */
  readonly total: number;
  readonly requested: number;

  constructor(item: string, maxStock: number, total: number, requested: number) {
    super(
      `Item "${item}" holds at most ${maxStock} units in total and has ${total}; adding ${requested} was refused. ` +
        `Add at most ${Math.max(0, maxStock - total)}, or raise maxStock with defineItem().`,
    );
    this.item = item;
    this.maxStock = maxStock;
    this.total = total;
    this.requested = requested;
  }
}

/**
 * No such hold: the id is unknown, or the hold finished longer ago than `tombstoneTtlMs` and its
 * record is gone. Nothing changed.
 */
export class HoldNotFoundError extends HoldfastError {
  readonly code = "HOLDFAST_HOLD_NOT_FOUND";
  readonly holdId: string;
  constructor(holdId: string) {
    super(
      `Hold ${holdId} is unknown, or finished longer ago than tombstoneTtlMs; nothing changed. ` +
        `Check the id, or place a new hold.`,
    );
    this.holdId = holdId;
  }
}

/** The hold's TTL ran out and its units went back to stock. Nothing changed; place a new hold. */
export class HoldExpiredError extends HoldfastError {
  readonly code = "HOLDFAST_HOLD_EXPIRED";
  readonly holdId: string;
  /** When it expired, in ms since the epoch on the store's clock. */
  readonly expiredAt: number;
  constructor(holdId: string, expiredAt: number) {
    super(
      `Hold ${holdId} expired at ${new Date(expiredAt).toISOString()} and its units went back to stock; ` +
        `nothing changed. Place a new hold (and extend() holds that need longer).`,
    );
    this.holdId = holdId;
    this.expiredAt = expiredAt;
  }
}

/**
 * The hold was already committed or released, so this operation changed nothing (e.g. a commit
 * after a release, or an extend after a commit).
 */
export class HoldFinishedError extends HoldfastError {
  readonly code = "HOLDFAST_HOLD_FINISHED";
  readonly holdId: string;
  readonly status: "committed" | "released";
  constructor(holdId: string, status: "committed" | "released") {
    super(
      `Hold ${holdId} was already ${status}; nothing changed.` +
        (status === "released" ? " Place a new hold to buy." : ""),
    );
    this.holdId = holdId;
    this.status = status;
  }
}

export const isInsufficientStockError = (e: unknown): e is InsufficientStockError =>
  e instanceof InsufficientStockError;
export const isHolderLimitError = (e: unknown): e is HolderLimitError => e instanceof HolderLimitError;
export const isItemNotFoundError = (e: unknown): e is ItemNotFoundError => e instanceof ItemNotFoundError;
export const isStockCapacityError = (e: unknown): e is StockCapacityError => e instanceof StockCapacityError;
export const isHoldNotFoundError = (e: unknown): e is HoldNotFoundError => e instanceof HoldNotFoundError;
export const isHoldExpiredError = (e: unknown): e is HoldExpiredError => e instanceof HoldExpiredError;
export const isHoldFinishedError = (e: unknown): e is HoldFinishedError => e instanceof HoldFinishedError;
