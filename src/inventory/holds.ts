import { ScriptError } from "../errors/store-errors.js";
import type { Store } from "../store/types.js";
import { assertInt, assertName } from "../util/validate.js";
import { EXPIRY_KIND, ITEM_KIND } from "./decode.js";
import { ItemNotFoundError } from "./errors.js";
import { holdsScript } from "./scripts/scripts.js";
import type { ItemHolds } from "./types.js";

/** Expiry-index entries one listing examines at most (live lines and tombstones share the index). */
export const HOLDS_SCAN_BUDGET = 2000;

/**
 * The live hold lines of `item`, soonest expiry first (at most `limit`, 1–1000, default 100): one
 * read-only round trip that skips lines already due (the next write to the item gives their units
 * back) and examines at most {@link HOLDS_SCAN_BUDGET} entries of the item's expiry index. Read it
 * after `inventory.get(item)` (which gives expired units back) and the lines add up to `held`
 * when `more` is false.
 * @throws ItemNotFoundError for an unknown item
 * @example
 * const { lines, more } = await listHolds(store, "sku-1", { limit: 20 });
 */
export async function listHolds(
  store: Store,
  item: string,
  options: { limit?: number } = {},
): Promise<ItemHolds> {
  assertName("item", item);
  const limit = assertInt("limit", options.limit ?? 100, 1, 1000);
  const raw = await store.run(
    holdsScript,
    [store.keys.key(ITEM_KIND, item), store.keys.key(EXPIRY_KIND, item)],
    [limit, HOLDS_SCAN_BUDGET],
  );
  if (!Array.isArray(raw) || raw.length !== 2 || typeof raw[0] !== "number") {
    throw new ScriptError(holdsScript.name, `unexpected reply ${JSON.stringify(raw)}`);
  }
  if (raw[0] === -1) throw new ItemNotFoundError(item);
  const p = raw[1];
  const lines: ItemHolds["lines"] = [];
  for (let i = 1; i < p.length; i += 4) {
    lines.push({
      holdId: p[i] as string,
      expiresAt: p[i + 1] as number,
      holder: p[i + 2] as string,
      quantity: p[i + 3] as number,
    });
  }
  return { item, lines, more: p[0] === 1 };
}
