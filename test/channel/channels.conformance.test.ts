import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { expect, it } from "vitest";
import { describeStores } from "../support/stores.js";
import { createChannels, type Channels } from "../../src/channel/channels.js";
import type { ChannelMessage, ChannelSubscription } from "../../src/channel/subscription.js";
import { ChannelPatternUnsupportedError, MessageTooLargeError } from "../../src/channel/errors.js";
import { InvalidArgumentError } from "../../src/errors/invalid-argument-error.js";
import { compareMessageIds } from "../../src/channel/ids.js";
import type { Store } from "../../src/store/types.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, timeoutMs = 5000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

function collector() {
  const got: ChannelMessage[] = [];
  return { got, handler: (m: ChannelMessage) => void got.push(m) };
}

describeStores("channels", ({ store, another, target }) => {
  let ch: Channels;
  const name = () => `room-${randomUUID().slice(0, 8)}`;
  const durable = { mode: "durable" as const, maxLen: 1000, maxAgeMs: 60_000 };

  it("delivers ephemeral messages live, in order, as { channel, id: null, data }", async () => {
    ch = createChannels(store(), { channels: { "d-*": durable } });
    const c = name();
    const { got, handler } = collector();
    const sub = await ch.subscribe(c, handler);
    expect(sub.mode).toBe("ephemeral");
    for (let i = 0; i < 20; i++) {
      const r = await ch.publish(c, { type: "routing_decision", payload: { n: i } });
      expect(r.id).toBeNull();
      expect(r.receivers).toBeGreaterThanOrEqual(1);
    }
    await until(() => got.length === 20, 5000, "20 messages");
    expect(got.map((m) => (m.data as { payload: { n: number } }).payload.n)).toEqual([...Array(20).keys()]);
    expect(got[0]).toEqual({ channel: c, id: null, data: { type: "routing_decision", payload: { n: 0 } } });
    await sub.unsubscribe();
    await ch.publish(c, { late: true });
    await sleep(50);
    expect(got).toHaveLength(20);
  });

  it("gives durable messages growing ids and delivers them once", async () => {
    const c = `d-${name()}`;
    const { got, handler } = collector();
    const sub = await ch.subscribe(c, handler);
    expect(sub.mode).toBe("durable");
    expect(sub.recovered).toBe(true);
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await ch.publish(c, i)).id!);
    for (let i = 1; i < ids.length; i++) expect(compareMessageIds(ids[i], ids[i - 1])).toBeGreaterThan(0);
    await until(() => got.length === 10);
    expect(got.map((m) => m.id)).toEqual(ids);
    expect(sub.lastId).toBe(ids[9]);
    sub.dispose();
  });

  it("resumes after the last id seen with no gap and no duplicate", async () => {
    const c = `d-${name()}`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await ch.publish(c, i)).id!);
    const { got, handler } = collector();
    const sub = await ch.subscribe(c, handler, { since: ids[1] });
    expect(sub.recovered).toBe(true);
    expect(got.map((m) => m.data)).toEqual([2, 3, 4]);
    await ch.publish(c, 5);
    await until(() => got.length === 4);
    expect(got.map((m) => m.data)).toEqual([2, 3, 4, 5]);
    sub.dispose();
  });

  it("never loses or repeats a message across random disconnects (property)", async () => {
    const runs = target === "memory" ? 25 : 6;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ publish: fc.integer({ min: 0, max: 6 }), drop: fc.boolean() }), {
          minLength: 1,
          maxLength: 6,
        }),
        async (steps) => {
          const c = `d-${name()}`;
          const seen: number[] = [];
          const seenIds: string[] = [];
          const onMessage = (m: ChannelMessage) => {
            seen.push(m.data as number);
            seenIds.push(m.id!);
          };
          let n = 0;
          let sub: ChannelSubscription | undefined = await ch.subscribe(c, onMessage);
          let lastId = sub.lastId;
          // A concurrent publisher from "another process" keeps publishing during the drops.
          const other = createChannels(await another(), { channels: { "d-*": durable } });
          for (const step of steps) {
            const pubs = Array.from({ length: step.publish }, () => other.publish(c, n++));
            if (step.drop && sub) {
              lastId = sub.lastId;
              await sub.unsubscribe();
              sub = undefined;
            }
            await Promise.all(pubs);
            if (!sub) {
              sub = await ch.subscribe(c, onMessage, { since: lastId });
              expect(sub.recovered).toBe(true);
            }
          }
          await until(() => seen.length >= n, 5000, `${n} messages`);
          await sleep(20);
          // Concurrent publishes may run in any order; each arrives once, in history order.
          expect([...seen].sort((a, b) => a - b)).toEqual([...Array(n).keys()]);
          for (let i = 1; i < seenIds.length; i++)
            expect(compareMessageIds(seenIds[i], seenIds[i - 1])).toBeGreaterThan(0);
          await sub?.unsubscribe();
          if (other !== ch) await other.close();
        },
      ),
      { numRuns: runs },
    );
  });

  it("catches up over many history pages while publishes keep coming", async () => {
    const paged = createChannels(store(), { historyPageSize: 3, defaults: durable });
    const other = createChannels(await another(), { defaults: durable });
    const c = name();
    const first = (await paged.publish(c, 0)).id!;
    for (let i = 1; i < 20; i++) await paged.publish(c, i);
    const seen: number[] = [];
    const ids: string[] = [];
    let n = 20;
    const during = (async () => {
      for (; n < 60; n++) await other.publish(c, n);
    })();
    const sub = await paged.subscribe(
      c,
      (m) => {
        seen.push(m.data as number);
        ids.push(m.id!);
      },
      { since: first },
    );
    await during;
    expect(sub.recovered).toBe(true);
    await until(() => seen.length >= 59, 5000, "59 messages");
    await sleep(30);
    expect(seen).toEqual(Array.from({ length: 59 }, (_, i) => i + 1));
    for (let i = 1; i < ids.length; i++) expect(compareMessageIds(ids[i], ids[i - 1])).toBeGreaterThan(0);
    await paged.close();
    if (target !== "memory") await other.close();
  });

  it("says recovered: false with the first id still kept when the gap exceeds maxLen", async () => {
    const small = createChannels(store(), { defaults: { mode: "durable", maxLen: 3, maxAgeMs: 0 } });
    const c = name();
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push((await small.publish(c, i)).id!);
    const { got, handler } = collector();
    const sub = await small.subscribe(c, handler, { since: ids[1] });
    expect(sub.recovered).toBe(false);
    expect(sub.firstId).toBe(ids[5]);
    expect(got.map((m) => m.data)).toEqual([5, 6, 7]);
    // Resuming right at the floor is still whole.
    const ok = await small.subscribe(c, () => undefined, { since: ids[4] });
    expect(ok.recovered).toBe(true);
    await small.close();
  });

  it("trims by age (maxAgeMs) and says so on resume", async () => {
    const aged = createChannels(store(), { defaults: { mode: "durable", maxLen: 0, maxAgeMs: 300 } });
    const c = name();
    const first = (await aged.publish(c, "old")).id!;
    await aged.publish(c, "old2");
    await sleep(450);
    const fresh = (await aged.publish(c, "new")).id!;
    const { got, handler } = collector();
    const sub = await aged.subscribe(c, handler, { since: first });
    expect(sub.recovered).toBe(false);
    expect(sub.firstId).toBe(fresh);
    expect(got.map((m) => m.data)).toEqual(["new"]);
    await aged.close();
  });

  it("says recovered: false for an id its history never produced (a lost history)", async () => {
    const c = `d-${name()}`;
    await ch.publish(c, "a");
    const future = `${Date.now() + 86_400_000}-0`;
    const { got, handler } = collector();
    const sub = await ch.subscribe(c, handler, { since: future });
    expect(sub.recovered).toBe(false);
    // What the history holds up to `since` is never sent (after a failover that is what the
    // subscriber already saw); only what follows `since` is.
    expect(got).toEqual([]);
    sub.dispose();
  });

  it("shares messages between two stores (two processes)", async () => {
    const other = createChannels(await another(), { channels: { "d-*": durable } });
    const c = `d-${name()}`;
    const { got, handler } = collector();
    const sub = await ch.subscribe(c, handler);
    await other.publish(c, { from: "other" });
    await until(() => got.length === 1);
    expect(got[0].data).toEqual({ from: "other" });
    sub.dispose();
    if (target !== "memory") await other.close();
  });

  it("supports pattern subscriptions except on Cluster", async () => {
    const base = name();
    if (target === "cluster") {
      await expect(ch.subscribe(`${base}:*`, () => undefined)).rejects.toBeInstanceOf(
        ChannelPatternUnsupportedError,
      );
      return;
    }
    const { got, handler } = collector();
    const sub = await ch.subscribe(`${base}:*`, handler);
    await ch.publish(`${base}:a`, 1);
    await ch.publish(`other-${base}`, 2);
    await ch.publish(`${base}:b`, 3);
    await until(() => got.length === 2);
    await sleep(30);
    expect(got.map((m) => [m.channel, m.data])).toEqual([
      [`${base}:a`, 1],
      [`${base}:b`, 3],
    ]);
    sub.dispose();
  });

  it("refuses bad input before anything is written", async () => {
    const c = name();
    const strict = createChannels(store(), { maxMessageBytes: 100, defaults: durable });
    await expect(strict.publish("", 1)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(strict.publish("a*b", 1)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(strict.publish(c, undefined)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(strict.publish(c, "x".repeat(200))).rejects.toBeInstanceOf(MessageTooLargeError);
    await expect(strict.subscribe(c, () => undefined, { since: "nope" })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await expect(strict.publish(c, 1, { maxLen: 0, maxAgeMs: 0 })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    expect(() => createChannels(store(), { defaults: { mode: "durable", maxLen: 0, maxAgeMs: 0 } })).toThrow(
      InvalidArgumentError,
    );
    const keys: string[] = [];
    for await (const k of store().scan(`${store().keys.prefix}channel:*${c}*`)) keys.push(k);
    expect(keys).toEqual([]);
    await strict.close();
  });

  it("runs on any store that carries pub/sub, not only this module's store classes", async () => {
    // What a second copy of the module (a bundler, a test runner) hands over: a store whose class
    // is not the one this copy of Channels would recognise. It says itself which transport it has.
    const s = store();
    const foreign: Store = {
      kind: s.kind,
      mode: s.mode,
      keys: s.keys,
      run: (script, keys, args) => s.run(script, keys, args),
      scan: (pattern, options) => s.scan(pattern, options),
      scanPage: (pattern, options) => s.scanPage(pattern, options),
      health: () => s.health(),
      close: () => s.close(),
      openTransport: (events, options) => s.openTransport!(events, options),
    };
    const ch = createChannels(foreign, { defaults: durable });
    const c = name();
    const { got, handler } = collector();
    const sub = await ch.subscribe(c, handler);
    const { id } = await ch.publish(c, { n: 1 });
    await until(() => got.length === 1, 5000, "the message");
    expect(got).toEqual([{ channel: c, id, data: { n: 1 } }]);
    sub.dispose();
    await ch.close();
    const { openTransport: _, ...noPubSub } = foreign;
    expect(() => createChannels(noPubSub)).toThrow(/carries no pub\/sub/);
  });
});
