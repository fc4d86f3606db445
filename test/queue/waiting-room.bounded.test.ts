/**
 * No call pays for what others left behind: 100,000 users stop sending heartbeats (they closed the
 * tab) and 100,000 admissions lapse, then each waiting-room script runs once and must remove at most
 * its reclaim limit of them (counted as due members before and after), while answering for the
 * live users alone.
 */
import { randomUUID } from "node:crypto";
import { beforeAll, expect, it } from "vitest";
import { createWaitingRoom, type WaitingRoom } from "../../src/waiting-room/index.js";
import { census, seedZset } from "../fixtures/census.js";
import { describeStores } from "../support/stores.js";

const LEFTOVERS = 100_000;
const LIMIT = 100;

describeStores(
  "waiting room: one call's work stays bounded after 100,000 users went away",
  ({ store }) => {
    let rooms: WaitingRoom;
    const room = `sale-${randomUUID().slice(0, 8)}`;
    let keys: { q: string; hb: string; adm: string };
    const stale = async () => (await census(store(), keys.hb, "zset")).due;
    const lapsed = async () => (await census(store(), keys.adm, "zset")).due;

    beforeAll(async () => {
      rooms = createWaitingRoom(store(), { reclaimLimit: LIMIT, heartbeatTtlMs: 60_000 });
      const k = store().keys;
      keys = { q: k.key("room", room, "q"), hb: k.key("room", room, "hb"), adm: k.key("room", room, "adm") };
      const past = Date.now() - 60_000;
      // Queued in arrival order 1..n, with heartbeat deadlines long past; admissions long lapsed.
      await seedZset(store(), [keys.q, keys.q], "gone-", LEFTOVERS, 1);
      await seedZset(store(), [keys.hb, keys.hb], "gone-", LEFTOVERS, past);
      await seedZset(store(), [keys.adm, keys.adm], "left-", LEFTOVERS, past);
      expect([await stale(), await lapsed()]).toEqual([LEFTOVERS, LEFTOVERS]);
    }, 120_000);

    it("join, position, leave, counts: at most the limit of each kind per call", async () => {
      await rooms.join(room, "alice");
      expect([await stale(), await lapsed()]).toEqual([LEFTOVERS - LIMIT, LEFTOVERS - LIMIT]);
      await rooms.position(room, "alice");
      // position leaves expired admissions to the other calls (it checks its own user's).
      expect([await stale(), await lapsed()]).toEqual([LEFTOVERS - 2 * LIMIT, LEFTOVERS - LIMIT]);
      await rooms.counts(room);
      expect([await stale(), await lapsed()]).toEqual([LEFTOVERS - 3 * LIMIT, LEFTOVERS - 2 * LIMIT]);
      expect(await rooms.leave(room, "alice")).toBe("queued");
      expect([await stale(), await lapsed()]).toEqual([LEFTOVERS - 4 * LIMIT, LEFTOVERS - 3 * LIMIT]);
    });

    it("admit: skips at most the limit of stale users per call", async () => {
      await rooms.join(room, "bob");
      const before = await stale();
      expect(await rooms.admit(room, 1)).toEqual([]);
      expect(before - (await stale())).toBeLessThanOrEqual(2 * LIMIT);
    });
  },
  { targets: ["memory", "redis"] },
);
