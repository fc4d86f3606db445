import { defineError, guardOf, type ErrorParts } from "../errors/define-error.js";

/**
 * A hold (or a stock decrease) asked for more units than are available. Nothing was reserved.
 * `available` is the quantity that could have been held at that instant.
 */
export class InsufficientStockError extends defineError(
  "HOLDFAST_INSUFFICIENT_STOCK",
  (
    item: string,
    requested: number,
    available: number,
  ): ErrorParts<{
    item: string;
    requested: number;
    /** Units available (total − held − sold) when the request was refused. */
    available: number;
  }> => ({
    message:
      `Item "${item}": ${requested} requested but only ${available} available; nothing was reserved. ` +
      (available > 0 ? `Ask for at most ${available}, ` : "The item is sold out or fully held: ") +
      `held units come back when their holds are released or expire.`,
    fields: { item, requested, available },
  }),
) {}

/** The holder would exceed the item's `perHolderLimit` (held + bought). Nothing was reserved. */
export class HolderLimitError extends defineError(
  "HOLDFAST_HOLDER_LIMIT",
  (
    item: string,
    holder: string,
    limit: number,
    current: number,
    requested: number,
  ): ErrorParts<{
    item: string;
    holder: string;
    limit: number;
    /** Units this holder already holds or bought. */
    current: number;
    requested: number;
  }> => ({
    message:
      `Holder "${holder}" may have at most ${limit} of item "${item}" (held + bought) and has ${current}; ` +
      `${requested} more were refused. Ask for at most ${Math.max(0, limit - current)}.`,
    fields: { item, holder, limit, current, requested },
  }),
) {}

/** The item was never defined. Call `defineItem(item, { stock })` first. Nothing was written. */
export class ItemNotFoundError extends defineError("HOLDFAST_ITEM_NOT_FOUND", (item: string) => ({
  message: `Item "${item}" does not exist: call defineItem("${item}", { stock }) first.`,
  fields: { item },
})) {}

/** A stock increase would pass the item's `maxStock`. Refused whole (never clamped); nothing changed. */
export class StockCapacityError extends defineError(
  "HOLDFAST_STOCK_CAPACITY",
  (
    item: string,
    maxStock: number,
    total: number,
    requested: number,
  ): ErrorParts<{
    item: string;
    maxStock: number;
    /** The item's total stock when the change was refused. */
    total: number;
    requested: number;
  }> => ({
    message:
      `Item "${item}" holds at most ${maxStock} units in total and has ${total}; adding ${requested} was refused. ` +
      `Add at most ${Math.max(0, maxStock - total)}, or raise maxStock with defineItem().`,
    fields: { item, maxStock, total, requested },
  }),
) {}

/**
 * No such hold: the id is unknown, or the hold finished longer ago than `tombstoneTtlMs` and its
 * record is gone. Nothing changed.
 */
export class HoldNotFoundError extends defineError("HOLDFAST_HOLD_NOT_FOUND", (holdId: string) => ({
  message:
    `Hold ${holdId} is unknown, or finished longer ago than tombstoneTtlMs; nothing changed. ` +
    `Check the id, or place a new hold.`,
  fields: { holdId },
})) {}

/** The hold's TTL ran out and its units went back to stock. Nothing changed; place a new hold. */
export class HoldExpiredError extends defineError(
  "HOLDFAST_HOLD_EXPIRED",
  (
    holdId: string,
    expiredAt: number,
  ): ErrorParts<{
    holdId: string;
    /** When it expired, in ms since the epoch on the store's clock. */
    expiredAt: number;
  }> => ({
    message:
      `Hold ${holdId} expired at ${new Date(expiredAt).toISOString()} and its units went back to stock; ` +
      `nothing changed. Place a new hold (and extend() holds that need longer).`,
    fields: { holdId, expiredAt },
  }),
) {}

/**
 * The hold was already committed or released, so this operation changed nothing (e.g. a commit
 * after a release, or an extend after a commit).
 */
export class HoldFinishedError extends defineError(
  "HOLDFAST_HOLD_FINISHED",
  (holdId: string, status: "committed" | "released") => ({
    message:
      `Hold ${holdId} was already ${status}; nothing changed.` +
      (status === "released" ? " Place a new hold to buy." : ""),
    fields: { holdId, status },
  }),
) {}

export const isInsufficientStockError = guardOf(InsufficientStockError);
export const isHolderLimitError = guardOf(HolderLimitError);
export const isItemNotFoundError = guardOf(ItemNotFoundError);
export const isStockCapacityError = guardOf(StockCapacityError);
export const isHoldNotFoundError = guardOf(HoldNotFoundError);
export const isHoldExpiredError = guardOf(HoldExpiredError);
export const isHoldFinishedError = guardOf(HoldFinishedError);
