import type { Command } from "commander";
import { createInventory, isItemNotFoundError, type ItemState } from "../inventory/index.js";
import type { Store } from "../store/types.js";
import { intArg } from "./args.js";
import { listCommand, scanRows, type ListingQuery } from "./listing.js";
import { withStore, type StoreCommandOptions } from "./context.js";
import { table } from "./output.js";
import type { CliRun } from "./io.js";

/** The key kind of an item's hash (see src/inventory/decode.ts). */
const ITEM_KIND = "inv";

/** Every item (found with SCAN, never KEYS) whose name starts with `prefix`, with its exact stock. */
async function scanItems(store: Store, query: ListingQuery): Promise<ItemState[]> {
  const inventory = createInventory(store);
  return scanRows(store, query, {
    kind: ITEM_KIND,
    what: "items",
    nameOf: (key) => store.keys.nameOf(ITEM_KIND, key),
    read: async (item) => {
      try {
        return await inventory.get(item);
      } catch (e) {
        if (!isItemNotFoundError(e)) throw e; // deleted between the scan and the read
        return undefined;
      }
    },
  });
}

const stockRow = (s: ItemState) => [
  s.item,
  s.available,
  s.held,
  s.sold,
  s.total,
  s.maxStock ?? "",
  s.perHolderLimit ?? "",
];
const stockHeaders = ["item", "available", "held", "sold", "total", "maxStock", "perHolder"];

/** `holdfast inventory ls|show|restock`. */
export function registerInventory(program: Command, run: CliRun): void {
  const inventory = program
    .command("inventory")
    .description("Inspect items' stock (available, held, sold, total) and restock them");
  listCommand(inventory, run, {
    description: "List items with their stock (SCAN, never KEYS)",
    prefixHelp: "only items whose name starts with this",
    defaultLimit: "1000",
    read: scanItems,
    none: "no items",
    headers: stockHeaders,
    row: stockRow,
  });
  inventory
    .command("show <item>")
    .description("Show one item's exact stock")
    .option("--tenant <tenant>", "a tenant of holdfast serve")
    .option("--json", "print JSON")
    .action(async (item: string, opts: StoreCommandOptions) => {
      const state = await withStore(run, opts, async (store) => {
        try {
          return await createInventory(store).get(item);
        } catch (e) {
          if (isItemNotFoundError(e)) return null;
          throw e;
        }
      });
      if (!state) run.exitCode = 1;
      if (opts.json) return run.printJson(state);
      if (!state) return run.log(`no item "${item}"`);
      run.log(table(stockHeaders, [stockRow(state)]));
    });
  inventory
    .command("restock <item> <units>")
    .description("Add units to an item's total stock (refused past its maxStock)")
    .option("--tenant <tenant>", "a tenant of holdfast serve")
    .option("--json", "print JSON")
    .action(async (item: string, unitsArg: string, opts: StoreCommandOptions) => {
      const units = intArg("units", unitsArg, { max: 1_000_000_000_000 });
      const state = await withStore(run, opts, async (store) => {
        try {
          return await createInventory(store).restock(item, units);
        } catch (e) {
          if (isItemNotFoundError(e)) return null;
          throw e;
        }
      });
      if (!state) {
        run.exitCode = 1;
        if (opts.json) return run.printJson({ error: { code: "HOLDFAST_ITEM_NOT_FOUND", item } });
        return run.error(`no item "${item}": define it first (PUT /v1/inventory/items/:item)`);
      }
      if (opts.json) return run.printJson(state);
      run.log(`${run.color.green("restocked")} ${item}: +${units}`);
      run.log(table(stockHeaders, [stockRow(state)]));
    });
}
