/**
 * The Redis store on ioredis 5 and 6: which private parts it finds, and that its public-API
 * fallback (`useClientInternals: false`, or an ioredis without those parts) behaves the same way:
 * the same bytes on the wire, the same replies, timeouts enforced with the same limit and error.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Redis } from "ioredis";
import { createStore } from "../../src/store/create-store.js";
import { CommandWatchdog } from "../../src/store/redis/command-watchdog.js";
import { RedisStore } from "../../src/store/redis/redis-store.js";
import { WriteCoalescer } from "../../src/store/redis/write-coalescer.js";
import { scriptFromSource, type ScriptArg } from "../../src/store/script.js";
import { StoreTimeoutError } from "../../src/errors/store-errors.js";
import type { Store } from "../../src/store/types.js";
import { IOREDIS_MAJORS, ioredisModule, ioredisVersion, newRedisClient } from "../support/ioredis.js";
import { PrivateRedis } from "../support/redis-server.js";
import { uniquePrefix } from "../support/stores.js";

const port = inject("redisPort");
const seeds = inject("clusterSeeds");

/** Returns its keys and arguments as Redis received them. */
const echo = scriptFromSource<readonly ScriptArg[]>(
  "echo-2",
  2,
  "return {KEYS[1], KEYS[2], unpack(ARGV)}",
  (_db, keys, args) => [...keys, ...args.map(String)],
);
const ARGS = Object.freeze([1, 0, -3, 0.25, 1e21, -(2 ** 60), "", "g:per-second", "ünï cødé ✓"]);

/** Records every byte the store's connection writes to its socket. */
function recordWrites(store: Store): { bytes: () => Buffer; stop: () => void } {
  const socket = ((store as RedisStore).client as Redis & { stream: { write: (...a: unknown[]) => boolean } })
    .stream;
  const write = socket.write;
  const chunks: Buffer[] = [];
  socket.write = function (this: unknown, chunk: unknown, ...rest: unknown[]) {
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk), "utf8"));
    return write.call(this, chunk, ...rest);
  };
  return { bytes: () => Buffer.concat(chunks), stop: () => void (socket.write = write) };
}

describe.runIf(port !== null).each(IOREDIS_MAJORS)("the Redis store on ioredis %i", (major) => {
  const stores: Store[] = [];
  const open = async (extra: Parameters<typeof createStore>[0] = {}) => {
    const s = await createStore({
      type: "redis",
      redis: { host: "127.0.0.1", port: port! },
      env: {},
      checkServer: false,
      prefix: "ci:",
      ioredis: ioredisModule(major),
      ...extra,
    });
    stores.push(s);
    return s as RedisStore;
  };
  afterAll(async () => {
    for (const s of stores) await s.close();
  });

  it(`uses every fast part on the client it creates (ioredis ${ioredisVersion(major)})`, async () => {
    const store = await open();
    expect(store.internals).toEqual({ scriptCommand: true, coalesceWrites: true, commandWatchdog: true });
    // The watchdog enforces the timeout, so ioredis arms no timer per command.
    expect((store.client as Redis).options.commandTimeout).toBeUndefined();
  });

  it.runIf(seeds !== null)("uses its own EVALSHA commands on a Cluster client", async () => {
    const store = await open({ redis: { clusterNodes: seeds! } });
    expect(store.internals).toEqual({ scriptCommand: true, coalesceWrites: false, commandWatchdog: false });
    const reply = await store.run(echo, [store.keys.key("e", "{c}a"), store.keys.key("e", "{c}b")], ARGS);
    expect((reply as string[]).slice(2)).toHaveLength(ARGS.length);
  });

  it("uses the fast parts on a client passed in, imposes no timeout on it and never closes it", async () => {
    const client = newRedisClient({ host: "127.0.0.1", port: port! }, major);
    try {
      const store = await open({ client });
      expect(store.internals).toEqual({ scriptCommand: true, coalesceWrites: true, commandWatchdog: false });
      expect(client.options.commandTimeout).toBeUndefined();
      await store.run(echo, [store.keys.key("e", "a"), store.keys.key("e", "b")], ARGS);
      await store.close();
      expect(await client.ping()).toBe("PONG");
    } finally {
      client.disconnect();
    }
  });

  it("falls back to the public API when told to, and sets ioredis' own timeout on its client", async () => {
    const store = await open({ useClientInternals: false, commandTimeoutMs: 1234 });
    expect(store.internals).toEqual({ scriptCommand: false, coalesceWrites: false, commandWatchdog: false });
    expect((store.client as Redis).options.commandTimeout).toBe(1234);
  });

  it("writes the same bytes and gets the same replies on the public path as on the fast path", async () => {
    const prefix = uniquePrefix();
    const fast = await open({ prefix });
    const slow = await open({ prefix, useClientInternals: false });
    const run = async (store: Store) => {
      const replies: unknown[] = [];
      // Loaded first, so that neither run sees NOSCRIPT.
      await store.run(echo, [store.keys.key("e", "warm"), store.keys.key("e", "warm2")], []);
      const recorder = recordWrites(store);
      try {
        for (const args of [ARGS, [...ARGS], [], ["x"], [2 ** 53 + 2, -1e300, NaN]]) {
          for (const keys of [
            ["a", "b"],
            ["{t}ä", "{t}ö"],
          ]) {
            replies.push(
              await store.run(echo, [store.keys.key("e", keys[0]), store.keys.key("e", keys[1])], args),
            );
          }
        }
        // Concurrent calls too: coalesced into fewer writes on the fast path, the same bytes.
        replies.push(
          await Promise.all(
            Array.from({ length: 20 }, (_, i) =>
              store.run(echo, [store.keys.key("e", `c${i}`), store.keys.key("e", `d${i}`)], ARGS),
            ),
          ),
        );
      } finally {
        recorder.stop();
      }
      return { bytes: recorder.bytes(), replies };
    };
    const a = await run(fast);
    const b = await run(slow);
    expect(a.bytes.length).toBeGreaterThan(1000);
    expect(a.bytes.equals(b.bytes)).toBe(true);
    expect(a.replies).toEqual(b.replies);
  });
});

describe.runIf(port !== null).each(IOREDIS_MAJORS)("command timeouts on ioredis %i", (major) => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await PrivateRedis.start();
  });
  afterAll(async () => {
    redis?.resume();
    await redis?.stop();
  });

  it("fails a command of a stalled server with StoreTimeoutError after commandTimeoutMs, on both paths", async () => {
    const timeoutMs = 300;
    for (const useClientInternals of [true, false]) {
      const store = (await createStore({
        type: "redis",
        redis: { url: redis.url },
        env: {},
        checkServer: false,
        commandTimeoutMs: timeoutMs,
        useClientInternals,
        ioredis: ioredisModule(major),
      })) as RedisStore;
      try {
        expect(store.internals.commandWatchdog).toBe(useClientInternals);
        const key = store.keys.key("e", "t");
        await store.run(echo, [key, key], ARGS);
        redis.pause();
        const started = Date.now();
        let error: unknown;
        try {
          await store.run(echo, [key, key], ARGS);
        } catch (e) {
          error = e;
        } finally {
          redis.resume();
        }
        const afterMs = Date.now() - started;
        expect(error).toBeInstanceOf(StoreTimeoutError);
        expect((error as StoreTimeoutError).timeoutMs).toBe(timeoutMs);
        expect(afterMs).toBeGreaterThanOrEqual(timeoutMs - 5);
        expect(afterMs).toBeLessThan(timeoutMs + 600);
        // The connection carries on once the server answers again.
        expect(((await store.run(echo, [key, key], ["ok"])) as string[])[2]).toBe("ok");
      } finally {
        await store.close();
      }
    }
  });
});

describe("feature tests of ioredis' private parts", () => {
  it("find nothing to use on an object without them", () => {
    expect(CommandWatchdog.canWatch({})).toBe(false);
    expect(CommandWatchdog.canWatch({ commandQueue: { length: 0 } })).toBe(false);
    expect(WriteCoalescer.attach({}, 8)).toBeUndefined();
    expect(WriteCoalescer.attach({ commandQueue: {} }, 8)).toBeUndefined();
  });

  it.each(IOREDIS_MAJORS)("find them on an ioredis %i client before it connects", (major) => {
    const client = newRedisClient({ lazyConnect: true }, major);
    expect(CommandWatchdog.canWatch(client)).toBe(true);
    expect(WriteCoalescer.attach(client, 8)).toBeDefined();
    client.disconnect();
  });
});
