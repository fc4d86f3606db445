import { assertDurationMs, assertInt } from "../util/validate.js";

/** The stock of one item at one instant. Always `available + held + sold === total`. */
export interface ItemState {
  item: string;
  /** Every unit the item ever had: initial stock plus restocks and adjustments. */
  total: number;
  /** Units free to hold now. */
  available: number;
  /** Units in live (unexpired, uncommitted, unreleased) holds. */
  held: number;
  /** Units in committed holds. */
  sold: number;
  /** Ceiling of `total`, or null for none. */
  maxStock: number | null;
  /** Most units one holder may hold + buy, or null for none. */
  perHolderLimit: number | null;
}

/** One item of a hold and its quantity. */
export interface HoldLine {
  item: string;
  quantity: number;
}

/** A reservation of units for a holder, until `expiresAt` unless committed or released first. */
export interface Hold {
  /** Opaque id: pass it to commit/release/extend. */
  holdId: string;
  /** The (first) item held. A cart's items are all in {@link lines}. */
  item: string;
  holder: string;
  /** Units of {@link item}. */
  quantity: number;
  /** When the hold expires and its units return to stock, in ms since the epoch, on the store's clock. */
  expiresAt: number;
  /** Every item of the hold (one for a single-item hold). */
  lines: HoldLine[];
}

/** What `commit` did. */
export interface CommitResult {
  hold: Hold;
  /** True when this call sold the units; false when a previous commit already had (a retry). */
  committed: boolean;
}

/** What `release` did; only `released` changed anything. */
export type ReleaseOutcome = "released" | "already-released" | "expired" | "committed";

export interface ReleaseResult {
  holdId: string;
  outcome: ReleaseOutcome;
}

/** A hold (line) whose TTL ran out and whose units went back to stock. */
export interface ExpiredHoldEvent {
  holdId: string;
  item: string;
  holder: string;
  quantity: number;
}

/** Options of {@link createInventory}, validated once at construction. */
export interface InventoryOptions {
  /**
   * How long a hold lives when `hold()` is given no `ttlMs`, in ms (the seed's 5 minutes).
   * @defaultValue 300000
   */
  defaultHoldTtlMs?: number;
  /**
   * How long a finished hold (committed, released, expired) is remembered, in ms, so that a
   * retried or late call gets a precise answer (HoldFinishedError, HoldExpiredError, or the same
   * idempotent hold) instead of HoldNotFoundError. Also how long an idempotency key stays bound.
   * @defaultValue 900000 (15 minutes)
   */
  tombstoneTtlMs?: number;
  /** Most items in one cart hold. @defaultValue 100 */
  maxCartItems?: number;
  /**
   * The most due entries (expired hold lines, tombstones past their time) one script call
   * processes, between 1 and 1000. A hold gives expired stock back only when it lacks units, and
   * only as much as it needs; when more is due than one call may process, the library calls again
   * (each call a separate round trip, so Redis serves everyone else in between) until the hold is
   * decided. `get`, `adjust` and the sweeper work the same way, so no call's cost grows with what
   * others left behind.
   * @defaultValue 100
   */
  reclaimLimit?: number;
}

export const DEFAULT_INVENTORY_OPTIONS: Required<InventoryOptions> = {
  defaultHoldTtlMs: 300_000,
  tombstoneTtlMs: 900_000,
  maxCartItems: 100,
  reclaimLimit: 100,
};

/** Largest quantity of one hold line and largest stock figure accepted. */
export const MAX_HOLD_QUANTITY = 1_000_000_000;
export const MAX_ITEM_STOCK = 1_000_000_000_000;

export function resolveInventoryOptions(options: InventoryOptions): Required<InventoryOptions> {
  const o = { ...DEFAULT_INVENTORY_OPTIONS, ...options };
  assertDurationMs("defaultHoldTtlMs", o.defaultHoldTtlMs);
  assertDurationMs("tombstoneTtlMs", o.tombstoneTtlMs);
  assertInt("maxCartItems", o.maxCartItems, 1, 1000);
  assertInt("reclaimLimit", o.reclaimLimit, 1, 1000);
  return o;
}

/** An item's live hold lines, as `listHolds` lists them. */
export interface ItemHolds {
  item: string;
  /** Soonest expiry first. */
  lines: { holdId: string; holder: string; quantity: number; expiresAt: number }[];
  /** True when more lines may follow (the limit, or the examination budget, was reached). */
  more: boolean;
}

/** Options of {@link Inventory.defineItem}. */
export interface ItemOptions {
  /** Units the item starts with (used only when the item is new). */
  stock: number;
  /** Ceiling of the item's total stock: increases past it are refused (StockCapacityError). @defaultValue none */
  maxStock?: number;
  /** Most units one holder may hold + buy of this item (HolderLimitError beyond). @defaultValue none */
  perHolderLimit?: number;
}

/** Options of {@link Inventory.hold}. */
export interface HoldOptions {
  /** Who holds: a user, session or order id. */
  holder: string;
  /** Units. @defaultValue 1 */
  quantity?: number;
  /** Lifetime of the hold in ms, on the store's clock. @defaultValue `defaultHoldTtlMs` (300000) */
  ttlMs?: number;
  /**
   * A retry with the same key (on the same first item) returns the same hold instead of holding
   * again, for as long as the hold lives plus `tombstoneTtlMs`. @defaultValue none
   */
  idempotencyKey?: string;
}
