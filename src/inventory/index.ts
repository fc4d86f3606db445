export { Inventory, createInventory, type ItemOptions, type HoldOptions } from "./inventory.js";
export { listHolds, HOLDS_SCAN_BUDGET } from "./holds.js";
export {
  InventorySweeper,
  DEFAULT_INVENTORY_SWEEPER_OPTIONS,
  type InventorySweeperOptions,
} from "./sweeper.js";
export {
  DEFAULT_INVENTORY_OPTIONS,
  MAX_HOLD_QUANTITY,
  MAX_ITEM_STOCK,
  type InventoryOptions,
  type ItemState,
  type ItemHolds,
  type Hold,
  type HoldLine,
  type CommitResult,
  type ReleaseResult,
  type ReleaseOutcome,
  type ExpiredHoldEvent,
} from "./types.js";
export {
  InsufficientStockError,
  HolderLimitError,
  ItemNotFoundError,
  StockCapacityError,
  HoldNotFoundError,
  HoldExpiredError,
  HoldFinishedError,
  isInsufficientStockError,
  isHolderLimitError,
  isItemNotFoundError,
  isStockCapacityError,
  isHoldNotFoundError,
  isHoldExpiredError,
  isHoldFinishedError,
} from "./errors.js";
