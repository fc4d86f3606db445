import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SortedSet, type ZEntry } from "../../src/store/memory/sorted-set.js";

/** The simplest correct sorted set: a sorted array rebuilt on every change. */
class ModelSet {
  private readonly map = new Map<string, number>();
  add(member: string, score: number): boolean {
    const isNew = !this.map.has(member);
    this.map.set(member, score);
    return isNew;
  }
  remove(member: string): boolean {
    return this.map.delete(member);
  }
  all(): ZEntry[] {
    return [...this.map]
      .map(([member, score]) => ({ member, score }))
      .sort((a, b) => a.score - b.score || (a.member < b.member ? -1 : a.member > b.member ? 1 : 0));
  }
}

type Op =
  | { op: "add"; member: string; score: number }
  | { op: "remove"; member: string }
  | { op: "removeByScore"; min: number; max: number }
  | { op: "check"; a: number; b: number; limit: number; member: string; score: number };

// Few distinct members and scores, so that updates, ties and removals of present members are common;
// batches of adds make the tree split several levels deep.
const member = fc.integer({ min: 0, max: 3000 }).map((n) => `m${n}`);
const score = fc.integer({ min: -50, max: 50 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant("add" as const), member, score }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("remove" as const), member }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant("removeByScore" as const), min: score, max: score }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("check" as const),
      a: fc.integer({ min: -3500, max: 3500 }),
      b: fc.integer({ min: -3500, max: 3500 }),
      limit: fc.integer({ min: 0, max: 200 }),
      member,
      score,
    }),
  },
);

function check(set: SortedSet, model: ModelSet, c: Extract<Op, { op: "check" }>): void {
  const all = model.all();
  expect(set.size).toBe(all.length);
  const redisRange = (start: number, stop: number) => {
    const n = all.length;
    if (start < 0) start = Math.max(0, n + start);
    if (stop < 0) stop = n + stop;
    // ZRANGE 0 -5 of three members is empty: a stop still below 0 must not become slice's "from the end".
    if (stop < 0) return [];
    return all.slice(start, Math.min(stop, n - 1) + 1);
  };
  expect(set.range(c.a, c.b)).toEqual(redisRange(c.a, c.b));
  const [min, max] = [c.score, c.score + (c.a % 20)];
  const inScore = all.filter((e) => e.score >= min && e.score <= max);
  expect(set.rangeByScore(min, max, c.limit)).toEqual(inScore.slice(0, c.limit));
  expect(set.countByScore(min, max)).toBe(inScore.length);
  const after = all.filter((e) => e.score > c.score || (e.score === c.score && e.member > c.member));
  expect(set.rangeAfter(c.score, c.member, c.limit)).toEqual(after.slice(0, c.limit));
  const at = all.findIndex((e) => e.member === c.member);
  expect(set.rank(c.member)).toBe(at === -1 ? undefined : at);
  expect(set.score(c.member)).toBe(at === -1 ? undefined : all[at].score);
}

describe("memory SortedSet (B+ tree with counts) against a sorted-array model", () => {
  it("agrees on every operation, including ranks, ranges and pages after removed members", () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 2500 }), (ops) => {
        const set = new SortedSet();
        const model = new ModelSet();
        for (const o of ops) {
          if (o.op === "add") expect(set.add(o.member, o.score)).toBe(model.add(o.member, o.score));
          else if (o.op === "remove") expect(set.remove(o.member)).toBe(model.remove(o.member));
          else if (o.op === "removeByScore") {
            const gone = model.all().filter((e) => e.score >= o.min && e.score <= o.max);
            for (const e of gone) model.remove(e.member);
            expect(set.removeByScore(o.min, o.max)).toEqual(gone);
          } else check(set, model, o);
        }
        check(set, model, { op: "check", a: 0, b: -1, limit: 10_000, member: "m1", score: -50 });
      }),
      { numRuns: 60 },
    );
  });

  it("keeps FIFO queues and sliding deadlines exact at 200,000 members", () => {
    const set = new SortedSet();
    for (let i = 0; i < 200_000; i++) set.add(`u${i}`, i);
    // A waiting room: the head leaves, heartbeats move members to the back.
    for (let i = 0; i < 100_000; i++) set.remove(`u${i}`);
    for (let i = 100_001; i < 150_000; i += 2) set.add(`u${i}`, 300_000 + i);
    expect(set.size).toBe(100_000);
    expect(set.rank("u100000")).toBe(0);
    expect(set.rank("u100001")).toBe(75_000);
    expect(set.range(74_999, 75_001).map((e) => e.member)).toEqual(["u199999", "u100001", "u100003"]);
    expect(set.countByScore(0, 299_999)).toBe(75_000);
    for (const e of set.range(0, -1)) set.remove(e.member);
    expect(set.size).toBe(0);
    expect(set.range(0, -1)).toEqual([]);
    set.add("again", 1);
    expect(set.range(0, -1)).toEqual([{ member: "again", score: 1 }]);
  });
});
