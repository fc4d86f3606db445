/**
 * A flash sale: 2,000 concurrent buyers for 100 units, with cancellations, abandoned holds that
 * expire and slow payers whose holds expire before they pay. Exactly 100 must be sold, never more,
 * and every unit accounted for at every sampled instant, on every store.
 */
import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { describeStores } from "../support/stores.js";
import {
  createInventory,
  HoldExpiredError,
  HolderLimitError,
  InsufficientStockError,
} from "../../src/inventory/index.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const BUYERS = 2000;
const UNITS = 100;

describeStores("inventory flash sale", ({ store }) => {
  it(`sells exactly ${UNITS} units to ${BUYERS} concurrent buyers`, async () => {
    const inv = createInventory(store());
    const item = `flash-${randomUUID().slice(0, 8)}`;
    await inv.defineItem(item, { stock: UNITS, perHolderLimit: 1 });
    const deadline = Date.now() + 20_000;
    let soldOut = false;
    let commits = 0;
    let lateCommitsRefused = 0;
    const unexpected: unknown[] = [];
    const buyersWhoBought = new Set<number>();
    const samples: string[] = [];

    const monitor = (async () => {
      while (!soldOut && Date.now() < deadline) {
        const s = await inv.get(item);
        if (s.available + s.held + s.sold !== s.total || s.available < 0 || s.held < 0 || s.sold > UNITS) {
          samples.push(JSON.stringify(s));
        }
        if (s.sold === UNITS) soldOut = true;
        await sleep(25);
      }
    })();

    const buyer = async (b: number) => {
      const holder = `buyer-${b}`;
      await sleep(Math.random() * 200);
      while (!soldOut && Date.now() < deadline) {
        const roll = Math.random();
        // Holds that will be paid or cancelled get a TTL no loaded CI machine can outlast.
        const ttlMs = roll < 0.2 ? 150 : roll < 0.3 ? 80 : 10_000;
        let holdId: string;
        try {
          holdId = (await inv.hold(item, { holder, ttlMs })).holdId;
        } catch (e) {
          if (!(e instanceof InsufficientStockError) && !(e instanceof HolderLimitError)) unexpected.push(e);
          await sleep(300 + Math.random() * 700);
          continue;
        }
        if (roll < 0.2) {
          await sleep(250); // abandoned: nobody releases it, it must expire by itself
          continue;
        }
        if (roll < 0.3) {
          // A slow payer: the hold expired before the payment came back.
          await sleep(200);
          try {
            await inv.commit(holdId);
            unexpected.push(new Error(`commit of an expired hold succeeded (${holdId})`));
          } catch (e) {
            if (e instanceof HoldExpiredError) lateCommitsRefused++;
            else unexpected.push(e);
          }
          continue;
        }
        await sleep(Math.random() * 30);
        if (roll < 0.5) {
          const r = await inv.release(holdId);
          if (r.outcome !== "released") unexpected.push(new Error(`release said ${r.outcome}`));
          continue;
        }
        try {
          const r = await inv.commit(holdId);
          if (!r.committed) unexpected.push(new Error("first commit said already committed"));
          commits++;
          buyersWhoBought.add(b);
          return;
        } catch (e) {
          unexpected.push(e);
          return;
        }
      }
    };

    await Promise.all(Array.from({ length: BUYERS }, (_, b) => buyer(b)));
    soldOut = true;
    await monitor;
    // Wait for the last abandoned holds to expire; reads give their units back.
    let s = await inv.get(item);
    for (let i = 0; i < 100 && s.held > 0; i++) {
      await sleep(50);
      s = await inv.get(item);
    }
    expect(unexpected).toEqual([]);
    expect(samples).toEqual([]);
    expect(s).toMatchObject({ total: UNITS, sold: UNITS, held: 0, available: 0 });
    expect(commits).toBe(UNITS);
    expect(buyersWhoBought.size).toBe(UNITS);
    expect(lateCommitsRefused).toBeGreaterThan(0);
  }, 40_000);
});
