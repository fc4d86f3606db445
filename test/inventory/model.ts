/**
 * The reference model for the model-based inventory test: plain arrays and numbers, no expiry of
 * its own. Expiry is learnt from the inventory's `onExpired` events (each script's reclaim), which
 * the test checks against the holds' `expiresAt` and the clock.
 */
export type LineStatus = "live" | "expired" | "sold" | "released";

export interface ModelLine {
  item: number;
  quantity: number;
  status: LineStatus;
}

export interface ModelHold {
  holdId: string;
  holder: string;
  expiresAt: number;
  status: "live" | "committed" | "released" | "expired";
  lines: ModelLine[];
  /** `<first item>|<key>` when placed with an idempotency key. */
  idem?: string;
}

export interface ModelItem {
  name: string;
  total: number;
  maxStock: number | null;
  perHolderLimit: number | null;
}

export class InventoryModel {
  holds: ModelHold[] = [];
  idem = new Map<string, ModelHold>();

  constructor(readonly items: ModelItem[]) {}

  held(item: number): number {
    let n = 0;
    for (const h of this.holds)
      for (const l of h.lines) if (l.item === item && l.status === "live") n += l.quantity;
    return n;
  }

  sold(item: number): number {
    let n = 0;
    for (const h of this.holds)
      for (const l of h.lines) if (l.item === item && l.status === "sold") n += l.quantity;
    return n;
  }

  available(item: number): number {
    return this.items[item].total - this.held(item) - this.sold(item);
  }

  /** Units held (live) + bought by `holder` of `item`. */
  holderCount(item: number, holder: string): number {
    let n = 0;
    for (const h of this.holds) {
      if (h.holder !== holder) continue;
      for (const l of h.lines)
        if (l.item === item && (l.status === "live" || l.status === "sold")) n += l.quantity;
    }
    return n;
  }

  byId(holdId: string): ModelHold | undefined {
    return this.holds.find((h) => h.holdId === holdId);
  }

  /** Applies one reclaim event; returns an error text when it contradicts the model. */
  expire(
    holdId: string,
    itemName: string,
    holder: string,
    quantity: number,
    nowMs: number,
  ): string | undefined {
    const h = this.byId(holdId);
    const item = this.items.findIndex((i) => i.name === itemName);
    if (!h) return `expiry of unknown hold ${holdId}`;
    const line = h.lines.find((l) => l.item === item);
    if (!line || line.status !== "live")
      return `expiry of a line that is not live (${holdId} on ${itemName})`;
    if (h.holder !== holder || line.quantity !== quantity) return `expiry event does not match ${holdId}`;
    if (h.expiresAt > nowMs) return `hold ${holdId} reclaimed ${h.expiresAt - nowMs} ms before it expires`;
    line.status = "expired";
    if (item === h.lines[0].item && h.status === "live") h.status = "expired";
    return undefined;
  }
}
