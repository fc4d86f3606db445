/**
 * No call pays for what others left behind, in the event log and durable channels: 100,000 entries
 * beyond a lowered retention are trimmed at most 1,000 per append or publish, and the 100,000
 * sources of an index are listed one bounded page at a time.
 */
import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { createChannels } from "../../src/channel/channels.js";
import { createEventLog, EVENTS_KIND } from "../../src/events/event-log.js";
import { census, seedStream, seedZset } from "../fixtures/census.js";
import { describeStores } from "../support/stores.js";

const LEFTOVERS = 100_000;

describeStores(
  "event log and channels: one call's work stays bounded after 100,000 leftovers",
  ({ store }) => {
    it("append: trims at most 1,000 entries past a lowered maxLen per call", async () => {
      const source = `burst_${randomUUID().slice(0, 8)}`;
      const key = store().keys.key(EVENTS_KIND, source);
      await seedStream(store(), key, LEFTOVERS, "type");
      const log = createEventLog(store(), { retention: { maxLen: 10 } });
      await log.append(source, "tick", {});
      expect((await census(store(), key, "stream")).size).toBe(LEFTOVERS + 1 - 1000);
    }, 60_000);

    it("publish: trims at most 1,000 entries past a lowered maxLen per call", async () => {
      const name = `d-${randomUUID().slice(0, 8)}`;
      const key = store().keys.key("channel", name, "log");
      const channels = createChannels(store(), { channels: { "d-*": { mode: "durable", maxLen: 10 } } });
      await channels.publish(name, { n: 0 });
      await seedStream(store(), key, LEFTOVERS, "d");
      await channels.publish(name, { n: 1 });
      expect((await census(store(), key, "stream")).size).toBe(LEFTOVERS + 2 - 1000);
    }, 60_000);

    it("sources: one page per call, whatever the index holds", async () => {
      const log = createEventLog(store());
      const index = store().keys.key(EVENTS_KIND, "~sources");
      await seedZset(store(), [index, index], "src_", LEFTOVERS, 1_700_000_000_000);
      const page = await log.sourcesPage({ limit: 1000 });
      expect(page.items).toHaveLength(1000);
      const next = await log.sourcesPage({ limit: 1000, cursor: page.nextCursor! });
      expect(next.items[0]).not.toBe(page.items[999]);
      expect(new Set([...page.items, ...next.items]).size).toBe(2000);
    }, 60_000);
  },
  { targets: ["memory", "redis"] },
);
