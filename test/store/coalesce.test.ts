import { afterAll, describe, expect, inject, it } from "vitest";
import type { Redis } from "ioredis";
import { makeStore } from "../support/stores.js";
import { IOREDIS_MAJORS, ioredisModule } from "../support/ioredis.js";
import { RedisStore } from "../../src/store/redis/redis-store.js";
import type { Store } from "../../src/store/types.js";
import { bump } from "../fixtures/bump.js";

const hasRedis = inject("redisPort") !== null;

type Socket = {
  _write: (...a: unknown[]) => void;
  _writev: (...a: unknown[]) => void;
  writableCorked: number;
};

/**
 * Counts the socket's flushes (each `_write` or `_writev` is one write to the kernel) and the
 * most commands one of them carried.
 */
function countFlushes(store: Store): { flushes: () => number; largest: () => number; restore: () => void } {
  const socket = ((store as RedisStore).client as Redis & { stream: Socket }).stream;
  const write = socket._write;
  const writev = socket._writev;
  let n = 0;
  let largest = 1;
  socket._write = function (this: Socket, ...a: unknown[]) {
    n++;
    return write.apply(this, a);
  };
  socket._writev = function (this: Socket, ...a: unknown[]) {
    n++;
    largest = Math.max(largest, (a[0] as unknown[]).length);
    return writev.apply(this, a);
  };
  return {
    flushes: () => n,
    largest: () => largest,
    restore: () => {
      socket._write = write;
      socket._writev = writev;
    },
  };
}

describe.runIf(hasRedis).each(IOREDIS_MAJORS)("write coalescing on the Redis store, ioredis %i", (major) => {
  const stores: Store[] = [];
  const open = async (coalesceWrites: boolean | number) => {
    const s = await makeStore("redis", { coalesceWrites, ioredis: ioredisModule(major) });
    stores.push(s);
    await s.run(bump, [s.keys.key("c", "warm")], [1, 60_000]); // connected, scripts loaded
    return s;
  };
  afterAll(async () => {
    for (const s of stores) await s.close();
  });

  it("writes a lone operation on an idle connection at once, not at the end of the tick", async () => {
    const store = await open(true);
    const socket = ((store as RedisStore).client as Redis & { stream: Socket }).stream;
    const pending = store.run(bump, [store.keys.key("c", "idle")], [1, 60_000]);
    expect(socket.writableCorked).toBe(0);
    expect(((await pending) as number[])[0]).toBe(1);
  });

  it.each([
    [true, 8],
    [3, 3],
  ])(
    "with coalesceWrites %s sends %i commands per write under load, every reply in place",
    async (setting, cap) => {
      const store = await open(setting);
      const counter = countFlushes(store);
      const n = 200;
      // All issued in one tick, like 200 concurrent requests; each bumps its own key once and one
      // shared key, so a lost, duplicated or misrouted reply shows.
      const own = Array.from({ length: n }, (_, i) =>
        store.run(bump, [store.keys.key("c", `own-${cap}-${i}`)], [i + 1, 60_000]),
      );
      const shared = Array.from({ length: n }, () =>
        store.run(bump, [store.keys.key("c", `shared-${cap}`)], [1, 60_000]),
      );
      const ownReplies = (await Promise.all(own)) as number[][];
      const sharedReplies = (await Promise.all(shared)) as number[][];
      counter.restore();
      ownReplies.forEach((r, i) => expect(r[0]).toBe(i + 1));
      expect(sharedReplies.map((r) => r[0])).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      // The first command goes out alone (idle connection), then batches of `cap` (plus the end of
      // the tick). Node may merge further writes while one is pending, never split them.
      expect(counter.flushes()).toBeLessThanOrEqual(2 + Math.ceil((2 * n - 1) / cap));
      expect(counter.largest()).toBe(cap);
    },
  );

  it("writes every command at once with coalesceWrites false", async () => {
    const store = await open(false);
    const socket = ((store as RedisStore).client as Redis & { stream: Socket }).stream;
    const first = store.run(bump, [store.keys.key("c", "off")], [1, 60_000]);
    const second = store.run(bump, [store.keys.key("c", "off")], [1, 60_000]);
    expect(socket.writableCorked).toBe(0);
    expect(((await first) as number[])[0]).toBe(1);
    expect(((await second) as number[])[0]).toBe(2);
  });
});
