/**
 * The one decoder of every inventory script's raw reply, shared by both stores, so memory and
 * Redis fail with identical typed errors.
 */
import { ScriptError } from "../errors/store-errors.js";
import type { Keyspace } from "../store/keyspace.js";
import type { Flat, HoldReply } from "./scripts/scripts.js";
import {
  HoldExpiredError,
  HoldFinishedError,
  HoldNotFoundError,
  HolderLimitError,
  InsufficientStockError,
  ItemNotFoundError,
  StockCapacityError,
} from "./errors.js";
import { InventoryStatus } from "./status.js";
import type { Hold, ItemState } from "./types.js";

export const ITEM_KIND = "inv";
export const EXPIRY_KIND = "inv-exp";

/** What a call was about, to name things in its errors. */
export interface CallContext {
  script: string;
  items: readonly string[];
  /** Units asked per item (hold lines), or the increase (adjust). */
  requested?: readonly number[];
  holder?: string;
  holdId?: string;
}

export interface Reply {
  status: number;
  payload: Flat;
  /** Flat {index, holdId, holder, qty} per expired line given back by this call. */
  reclaimed: Flat;
}

export function splitReply(raw: HoldReply, script: string): Reply {
  // A hold that reclaimed nothing answers with its expiry alone (cheaper for Redis than a table).
  if (typeof raw === "number") return { status: InventoryStatus.Ok, payload: [raw], reclaimed: [] };
  if (!Array.isArray(raw) || raw.length !== 3 || typeof raw[0] !== "number") {
    throw new ScriptError(script, `unexpected reply ${JSON.stringify(raw)}`);
  }
  return { status: raw[0], payload: raw[1], reclaimed: raw[2] };
}

/** Decodes {holdId, expiresAt, holder, B1, q1, …} into a Hold. */
export function decodeHold(info: Flat, keys: Keyspace): Hold {
  const lines: Hold["lines"] = [];
  for (let i = 3; i < info.length; i += 2) {
    const key = info[i] as string;
    lines.push({ item: keys.nameOf(ITEM_KIND, key) ?? key, quantity: info[i + 1] as number });
  }
  return {
    holdId: info[0] as string,
    item: lines[0]?.item ?? "",
    holder: info[2] as string,
    quantity: lines[0]?.quantity ?? 0,
    expiresAt: info[1] as number,
    lines,
  };
}

export function decodeState(item: string, s: Flat): ItemState {
  const [total, held, sold, max, limit] = s as number[];
  return {
    item,
    total,
    available: total - held - sold,
    held,
    sold,
    maxStock: max > 0 ? max : null,
    perHolderLimit: limit > 0 ? limit : null,
  };
}

/** Throws the typed error of a negative status. */
export function raise(reply: Reply, ctx: CallContext): never {
  const p = reply.payload;
  const index = typeof p[0] === "number" ? p[0] : 0;
  const item = ctx.items[index] ?? ctx.items[0] ?? "";
  const holdId = ctx.holdId ?? (typeof p[0] === "string" ? p[0] : "");
  switch (reply.status) {
    case InventoryStatus.ItemNotFound:
      throw new ItemNotFoundError(item);
    case InventoryStatus.Insufficient:
      throw new InsufficientStockError(item, ctx.requested?.[index] ?? 0, p[1] as number);
    case InventoryStatus.HolderLimit:
      throw new HolderLimitError(
        item,
        ctx.holder ?? "",
        p[1] as number,
        p[2] as number,
        ctx.requested?.[index] ?? 0,
      );
    case InventoryStatus.HoldNotFound:
      throw new HoldNotFoundError(holdId);
    case InventoryStatus.HoldExpired:
      throw new HoldExpiredError(p[0] as string, p[1] as number);
    case InventoryStatus.HoldCommitted:
      throw new HoldFinishedError(p[0] as string, "committed");
    case InventoryStatus.HoldReleased:
      throw new HoldFinishedError(p[0] as string, "released");
    case InventoryStatus.Capacity:
      throw new StockCapacityError(item, p[0] as number, p[1] as number, ctx.requested?.[0] ?? 0);
    default:
      throw new ScriptError(ctx.script, `unknown status ${reply.status}`);
  }
}
