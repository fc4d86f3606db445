/**
 * No call pays for what others left behind: 100,000 holds expire unclaimed (abandoned carts), then
 * each inventory script is run once, directly, and must process at most its reclaim limit of due
 * entries (counted: the due members of the item's expiry set before and after, and the lines the
 * reply says it gave back), while the library's calls still reach exact figures in bounded rounds.
 */
import { randomUUID } from "node:crypto";
import { beforeAll, expect, it } from "vitest";
import { createInventory, type Inventory } from "../../src/inventory/index.js";
import { EXPIRY_KIND, ITEM_KIND } from "../../src/inventory/decode.js";
import {
  adjustScript,
  defineItemScript,
  finishScript,
  getScript,
  holdScript,
} from "../../src/inventory/scripts/scripts.js";
import type { RawReply } from "../../src/store/script.js";
import { census } from "../fixtures/census.js";
import { describeStores } from "../support/stores.js";

const LEFTOVERS = 100_000;
const LIMIT = 100;
const TOMB = 3_600_000;
let clockMs = 1_700_000_000_000;

/** Lines a raw reply says it gave back (flat {index, holdId, holder, qty} per line). */
const given = (raw: RawReply) =>
  typeof raw === "number" ? 0 : ((raw as RawReply[])[2] as RawReply[]).length / 4;
const status = (raw: RawReply) => (typeof raw === "number" ? 0 : ((raw as RawReply[])[0] as number));

describeStores(
  "inventory: one call's work stays bounded after 100,000 abandoned holds",
  ({ store, target }) => {
    let inv: Inventory;
    const item = `{b-${randomUUID().slice(0, 8)}}:sku`;
    let keys: string[];
    const due = async () => (await census(store(), keys[1], "zset")).due;
    /** Units available now, read without giving anything back. */
    const available = async () => {
      const [total, held, sold] = (await census(store(), keys[0], "hash", ["total", "held", "sold"])).values;
      return total - held - sold;
    };
    const hold = (quantity: number, holder = "buyer") =>
      store().run(holdScript(1), keys, [
        `${randomUUID()}:${item}`,
        holder,
        60_000,
        "",
        TOMB,
        LIMIT,
        quantity,
      ]);

    beforeAll(async () => {
      const s = store();
      inv = createInventory(s, { reclaimLimit: LIMIT, tombstoneTtlMs: TOMB });
      keys = [s.keys.key(ITEM_KIND, item), s.keys.key(EXPIRY_KIND, item)];
      // Twice the stock the holds take: no hold runs short while seeding, so none gives any back.
      await inv.defineItem(item, { stock: 2 * LEFTOVERS });
      for (let i = 0; i < LEFTOVERS; i += 2000) {
        await Promise.all(
          Array.from({ length: 2000 }, (_, k) => inv.hold(item, { holder: `u${i + k}`, ttlMs: 1 })),
        );
      }
      clockMs += 10;
      if (target !== "memory") await new Promise((r) => setTimeout(r, 20));
      expect(await due()).toBe(LEFTOVERS);
    }, 120_000);

    it("hold: gives nothing back while the units it needs are available", async () => {
      const raw = await hold(1);
      expect(typeof raw).toBe("number");
      expect(await due()).toBe(LEFTOVERS);
    });

    it("hold: short of units, gives back only as many lines as it needs", async () => {
      const raw = await hold((await available()) + 3);
      expect([status(raw), given(raw)]).toEqual([0, 3]);
      expect(await due()).toBe(LEFTOVERS - 3);
      expect(await available()).toBe(0);
    });

    it("get, define, adjust: one call processes the reclaim limit, then answers MORE", async () => {
      for (const [name, run] of [
        ["get", () => store().run(getScript, keys, [TOMB, LIMIT])],
        ["define", () => store().run(defineItemScript, keys, [1, 0, 0, TOMB, LIMIT])],
        ["adjust", () => store().run(adjustScript, keys, [1, TOMB, LIMIT])],
      ] as const) {
        const before = await due();
        const raw = await run();
        expect([name, status(raw), given(raw)]).toEqual([name, 2, LIMIT]);
        expect([name, before - (await due())]).toEqual([name, LIMIT]);
      }
      expect(await available()).toBe(3 * LIMIT);
    });

    it("commit: finishes its hold and processes at most two due entries", async () => {
      const id = `${randomUUID()}:${item}`;
      await store().run(holdScript(1), keys, [id, "payer", 60_000, "", TOMB, LIMIT, 1]);
      const before = await due();
      const raw = await store().run(finishScript, keys, [id, "commit", TOMB, 0]);
      expect([status(raw), given(raw)]).toEqual([0, 2]);
      expect(before - (await due())).toBe(2);
    });

    it("hold: a shortfall beyond one call's limit is settled by the library in bounded rounds", async () => {
      const q = (await available()) + 2 * LIMIT + 50;
      const one = await hold(q, "big");
      expect([status(one), given(one)]).toEqual([2, LIMIT]);
      const before = await due();
      // The library runs the script again until it decides: 150 more lines, over two more calls.
      const h = await inv.hold(item, { holder: "big", quantity: q, ttlMs: 60_000 });
      expect(h.quantity).toBe(q);
      expect(before - (await due())).toBe(150);
      await inv.release(h.holdId);
    });

    it("get: exact figures once every leftover came back, each call bounded", async () => {
      const s = await inv.get(item);
      expect(await due()).toBe(0);
      expect(s.available + s.held + s.sold).toBe(s.total);
      // Live: the first buyer's unit and the second's (available + 3); sold: the payer's unit.
      expect({ total: s.total, sold: s.sold }).toEqual({ total: 2 * LEFTOVERS, sold: 1 });
      expect(s.held).toBeGreaterThan(LEFTOVERS);
    }, 120_000);
  },
  { targets: ["memory", "redis"], storeOptions: { clock: () => clockMs } },
);
