import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { InvalidArgumentError } from "../../src/errors/index.js";
import { createEventLog, type EventLog, type EventRecord } from "../../src/events/index.js";
import { describeStores } from "../support/stores.js";

const src = (name: string) => `${name}.${randomUUID().slice(0, 8)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function collect(
  it: AsyncIterator<EventRecord>,
  n: number,
  timeoutMs = 10_000,
): Promise<EventRecord[]> {
  const out: EventRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < n) {
    const next = await Promise.race([
      it.next(),
      sleep(Math.max(0, deadline - Date.now())).then(() => "timeout" as const),
    ]);
    if (next === "timeout") throw new Error(`only ${out.length} of ${n} events arrived`);
    if (next.done) break;
    out.push(next.value);
  }
  return out;
}

describeStores("event log", ({ store }) => {
  let log: EventLog;
  const events = () => (log ??= createEventLog(store()));

  it("appends and reads back one source in order, with server-clock times (seed 000's query)", async () => {
    const source = src("assignment.state_machine");
    const ids: string[] = [];
    const transitions = [
      ["created", "capacity_verified"],
      ["capacity_verified", "assignment_pending"],
      ["assignment_pending", "assignment_in_progress"],
    ];
    for (const [i, [from, to]] of transitions.entries()) {
      ids.push(await events().append(source, "transition", { from, to, version: i + 2 }));
    }
    expect(ids.every((id) => /^\d+-\d+$/.test(id))).toBe(true);
    const asc = await events().query({ source });
    expect(asc.map((e) => e.id)).toEqual(ids);
    expect(asc[0]).toMatchObject({
      source,
      type: "transition",
      context: { from: "created", to: "capacity_verified", version: 2 },
    });
    expect(Math.abs(asc[0].at - Date.now())).toBeLessThan(10_000);
    // SELECT event_type, context->>'from', context->>'to', context->>'version', created_at
    // FROM observability_events WHERE source = '…' AND created_at > NOW() - INTERVAL '5 minutes'
    // ORDER BY created_at DESC
    const recent = await events().query({ source, since: Date.now() - 5 * 60_000, order: "desc" });
    expect(recent.map((e) => e.context.to)).toEqual([
      "assignment_in_progress",
      "assignment_pending",
      "capacity_verified",
    ]);
    expect((await events().query({ source, order: "desc", limit: 1 }))[0].id).toBe(ids[2]);
    expect(await events().query({ source, since: Date.now() + 60_000 })).toEqual([]);
    expect(await events().query({ source: src("never") })).toEqual([]);
  });

  it("maps since (inclusive) and until (exclusive) to stream ids", async () => {
    const source = src("times");
    const recs: EventRecord[] = [];
    for (let i = 0; i < 3; i++) {
      await events().append(source, "tick", { i });
      recs.push((await events().query({ source, order: "desc", limit: 1 }))[0]);
      await sleep(25);
    }
    const [a, b, c] = recs;
    expect(a.at).toBeLessThan(b.at);
    expect(b.at).toBeLessThan(c.at);
    const ids = async (q: { since?: number; until?: number }) =>
      (await events().query({ source, ...q })).map((e) => e.context.i);
    expect(await ids({ since: b.at })).toEqual([1, 2]);
    expect(await ids({ until: b.at })).toEqual([0]);
    expect(await ids({ since: a.at, until: c.at })).toEqual([0, 1]);
    expect(await ids({ since: c.at + 1 })).toEqual([]);
  });

  it("filters by type inside the script, across more entries than one call examines", async () => {
    const source = src("bulk");
    for (let i = 0; i < 2100; i += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, j) => events().append(source, "noise", { n: i + j })),
      );
    }
    await events().append(source, "signal", { n: 1 });
    await events().append(source, "noise", { n: -1 });
    await events().append(source, "signal", { n: 2 });
    const signals = await events().query({ source, type: "signal" });
    expect(signals.map((e) => e.context.n)).toEqual([1, 2]);
    expect((await events().query({ source, type: "signal", order: "desc", limit: 1 }))[0].context.n).toBe(2);
    expect(await events().query({ source, limit: 10_000 })).toHaveLength(2103);
  });

  it("queries across sources through the index, merged by time, with one global limit", async () => {
    const log2 = createEventLog(store());
    const start = await log2.serverTime();
    const s1 = src("alpha");
    const s2 = src("beta");
    const order: string[] = [];
    for (let i = 0; i < 6; i++) {
      const s = i % 3 === 0 ? s2 : s1;
      await log2.append(s, i % 2 === 0 ? "even" : "odd", { i });
      order.push(`${s}:${i}`);
      // Across sources, order is by server time only (each stream numbers its own entries within
      // a millisecond), so the appends are kept a few ms apart.
      await sleep(4);
    }
    const sources = await log2.sources();
    expect(sources).toEqual(expect.arrayContaining([s1, s2]));
    const mine = (rs: EventRecord[]) => rs.filter((e) => e.source === s1 || e.source === s2);
    const all = mine(await log2.query({ since: start, limit: 10_000 }));
    expect(all.map((e) => `${e.source}:${e.context.i}`)).toEqual(order);
    const evens = mine(await log2.query({ since: start, type: "even", order: "desc", limit: 10_000 }));
    expect(evens.map((e) => e.context.i)).toEqual([4, 2, 0]);
    const limited = await log2.query({ since: start, limit: 2, order: "desc" });
    expect(limited).toHaveLength(2);
  });

  it("trims only by the retention policy: count, age, per source", async () => {
    const byCount = src("bycount");
    const byAge = src("byage");
    const keepAll = src("keepall");
    const log2 = createEventLog(store(), {
      retention: { maxLen: 5 },
      sources: { [byAge]: { maxAgeMs: 200 }, [keepAll]: {} },
    });
    for (let i = 0; i < 8; i++) await log2.append(byCount, "t", { i });
    expect((await log2.query({ source: byCount })).map((e) => e.context.i)).toEqual([3, 4, 5, 6, 7]);
    for (let i = 0; i < 8; i++) await log2.append(keepAll, "t", { i });
    expect(await log2.query({ source: keepAll })).toHaveLength(8);
    await log2.append(byAge, "t", { i: 0 });
    await sleep(400);
    await log2.append(byAge, "t", { i: 1 });
    expect((await log2.query({ source: byAge })).map((e) => e.context.i)).toEqual([1]);
    expect(log2.retentionOf(byAge)).toEqual({ maxLen: 0, maxAgeMs: 200 });
    expect(createEventLog(store()).retentionOf("x")).toEqual({ maxLen: 100_000, maxAgeMs: 0 });
  });

  it("tails new events of every source, including sources that appear while tailing", async () => {
    const before = src("tail-before");
    await events().append(before, "old", {});
    await sleep(5); // the tail starts at the current server millisecond, inclusive
    const ac = new AbortController();
    const tail = events().tail({ signal: ac.signal, pollIntervalMs: 20, maxPollIntervalMs: 100 });
    const first = tail.next(); // starts the generator: it reads the server clock, then polls
    await sleep(150);
    const s1 = src("tail-a");
    const s2 = src("tail-b");
    await events().append(s1, "x", { n: 1 });
    await events().append(s2, "y", { n: 2 });
    await events().append(s1, "x", { n: 3 });
    const got = [(await first).value as EventRecord, ...(await collect(tail, 2))];
    // Each source in order, every event once; across sources, order is best-effort per poll.
    expect(got.filter((e) => e.source === s1).map((e) => e.context.n)).toEqual([1, 3]);
    expect(got.filter((e) => e.source === s2).map((e) => e.context.n)).toEqual([2]);
    expect(got.some((e) => e.source === before)).toBe(false);
    await events().append(s2, "y", { n: 4 });
    const more = await collect(tail, 1);
    expect(more[0].context.n).toBe(4);
    ac.abort();
    expect((await tail.next()).done).toBe(true);
  });

  it("tails one source and type from a given time, and ends on break", async () => {
    const source = src("tail-one");
    const since = await events().serverTime();
    await events().append(source, "keep", { n: 1 });
    await events().append(source, "drop", { n: 2 });
    await events().append(src("tail-other"), "keep", { n: 99 });
    const seen: number[] = [];
    const iterate = (async () => {
      for await (const e of events().tail({ source, type: "keep", since, pollIntervalMs: 20 })) {
        seen.push(e.context.n as number);
        if (e.context.n === 3) break;
      }
    })();
    await sleep(100);
    await events().append(source, "keep", { n: 3 });
    await Promise.race([
      iterate,
      sleep(10_000).then(() => Promise.reject(new Error("tail did not deliver"))),
    ]);
    expect(seen).toEqual([1, 3]);
  });

  it("rejects bad input with InvalidArgumentError and writes nothing", async () => {
    const source = src("bad");
    const calls: [string, () => Promise<unknown>][] = [
      ["source", () => events().append("", "t", {})],
      ["source", () => events().append("has space", "t", {})],
      ["source", () => events().append("{tag}", "t", {})],
      ["source", () => events().append("x".repeat(129), "t", {})],
      ["type", () => events().append(source, "", {})],
      ["context", () => events().append(source, "t", [] as never)],
      ["context", () => events().append(source, "t", { big: "x".repeat(70_000) })],
      ["limit", () => events().query({ source, limit: 0 })],
      ["limit", () => events().query({ source, limit: 10_001 })],
      ["since", () => events().query({ source, since: -1 })],
      ["until", () => events().query({ source, until: 1.5 })],
      ["order", () => events().query({ source, order: "up" as never })],
      ["pollIntervalMs", () => events().tail({ pollIntervalMs: 0 }).next()],
    ];
    for (const [field, call] of calls) {
      const err = await call().catch((e: unknown) => e);
      expect(err, field).toBeInstanceOf(InvalidArgumentError);
      expect((err as InvalidArgumentError).field).toBe(field);
    }
    expect(await events().query({ source })).toEqual([]);
    expect(await events().sources()).not.toContain(source);
    expect(() => createEventLog(store(), { retention: { maxLen: 0 } })).toThrow(InvalidArgumentError);
    expect(() => createEventLog(store(), { retention: { maxAgeMs: -5 } })).toThrow(InvalidArgumentError);
    expect(() => createEventLog(store(), { sources: { "bad name": {} } })).toThrow(InvalidArgumentError);
  });
});
