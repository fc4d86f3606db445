import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createEventLog, type EventQuery } from "../../src/events/index.js";
import { ALL_TARGETS, makeStore, storeOptions } from "../support/stores.js";

const SOURCES = ["a.state_machine", "b.state_machine", "c"] as const;
const TYPES = ["transition", "created", "error"] as const;

interface Row {
  id: string;
  ms: number;
  seq: number;
  source: string;
  type: string;
  n: number;
}

function model(rows: Row[], q: EventQuery): string[] {
  const sorted = rows
    .filter((r) => q.source === undefined || r.source === q.source)
    .filter((r) => q.type === undefined || r.type === q.type)
    .filter((r) => q.since === undefined || r.ms >= q.since)
    .filter((r) => q.until === undefined || r.ms < q.until)
    .sort((x, y) => x.ms - y.ms || x.seq - y.seq || (x.source < y.source ? -1 : x.source > y.source ? 1 : 0));
  if (q.order === "desc") sorted.reverse();
  return sorted.slice(0, q.limit ?? 100).map((r) => `${r.source}/${r.id}`);
}

for (const target of ALL_TARGETS) {
  describe.runIf(storeOptions(target) !== undefined)(`event log queries match a model [${target}]`, () => {
    it("for random appends and random queries (property)", async () => {
      const append = fc.record({ source: fc.constantFrom(...SOURCES), type: fc.constantFrom(...TYPES) });
      const query = fc.record(
        {
          source: fc.constantFrom(...SOURCES),
          type: fc.constantFrom(...TYPES),
          limit: fc.integer({ min: 1, max: 12 }),
          order: fc.constantFrom("asc" as const, "desc" as const),
          sinceIndex: fc.nat(),
          untilIndex: fc.nat(),
        },
        { requiredKeys: ["limit"] },
      );
      await fc.assert(
        fc.asyncProperty(
          fc.array(append, { minLength: 1, maxLength: 30 }),
          fc.array(query, { minLength: 1, maxLength: 8 }),
          async (appends, queries) => {
            const store = await makeStore(target);
            try {
              const log = createEventLog(store);
              const rows: Row[] = [];
              for (const [n, a] of appends.entries()) {
                const id = await log.append(a.source, a.type, { n });
                const [ms, seq] = id.split("-").map(Number);
                rows.push({ id, ms, seq, source: a.source, type: a.type, n });
              }
              for (const { sinceIndex, untilIndex, ...rest } of queries) {
                const q: EventQuery = { ...rest };
                if (sinceIndex !== undefined) q.since = rows[sinceIndex % rows.length].ms;
                if (untilIndex !== undefined) q.until = rows[untilIndex % rows.length].ms;
                const got = (await log.query(q)).map((e) => `${e.source}/${e.id}`);
                expect(got, JSON.stringify(q)).toEqual(model(rows, q));
              }
              // Every record carries its context back unchanged.
              const all = await log.query({ limit: 10_000 });
              expect(all.map((e) => e.context.n).sort((x, y) => (x as number) - (y as number))).toEqual(
                rows.map((r) => r.n),
              );
            } finally {
              await store.close();
            }
          },
        ),
        { numRuns: target === "memory" ? 120 : 10 },
      );
    });
  });
}
