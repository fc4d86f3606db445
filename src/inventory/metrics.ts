import { counter } from "../observe/metrics.js";

/** Inventory counters in Holdfast's registry, bound once (no label lookups on the hot path). */
export const inventoryMetrics = {
  holdsPlaced: counter("holdfast_inventory_holds_placed_total", "Holds placed (single items and carts)."),
  holdsRefused: counter(
    "holdfast_inventory_holds_refused_total",
    "Holds refused for lack of stock or by a per-holder limit.",
  ),
  holdsCommitted: counter("holdfast_inventory_holds_committed_total", "Holds turned into sales."),
  holdsReleased: counter("holdfast_inventory_holds_released_total", "Holds released before they expired."),
  linesExpired: counter(
    "holdfast_inventory_holds_expired_total",
    "Hold lines (one per item of a cart) whose TTL ran out and whose units went back to stock.",
  ),
  unitsHeld: counter("holdfast_inventory_units_held_total", "Units put on hold."),
  unitsSold: counter("holdfast_inventory_units_sold_total", "Units sold (committed)."),
  unitsExpired: counter("holdfast_inventory_units_expired_total", "Units returned to stock by expiry."),
  reclaimRounds: counter(
    "holdfast_inventory_reclaim_rounds_total",
    "Extra round trips a call made because more expired holds were due than one call processes (reclaimLimit).",
  ),
};
