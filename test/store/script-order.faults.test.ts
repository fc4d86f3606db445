/**
 * Calls made without waiting for one another run in the order they were made, also when one of them
 * runs a script the server does not hold yet: on a single server (and Sentinel) the store sends a
 * script's first run on each connection as EVAL, so the server never answers it NOSCRIPT after the
 * calls behind it have already run. Checked on a Redis of the test's own, which starts with no
 * scripts and loses them all when it is restarted.
 */
import { randomUUID } from "node:crypto";
import type { Cluster } from "ioredis";
import calculateSlot from "cluster-key-slot";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { PrivateCluster } from "../support/redis-server.js";
import { ioredisModule } from "../support/ioredis.js";
import { createStore } from "../../src/store/create-store.js";
import { onPrivateRedis } from "../support/faults.js";
import { scriptFromSource } from "../../src/store/script.js";
import type { RedisStore } from "../../src/store/redis/redis-store.js";

/** A script that appends `<tag>:<ARGV[1]>` to the list KEYS[1]; a new source (and SHA) per call. */
function appender(tag: string) {
  const lua = `-- ${randomUUID()}\nreturn redis.call('RPUSH', KEYS[1], '${tag}:' .. ARGV[1])`;
  return scriptFromSource<[string], number>(`append-${tag}`, 1, lua, () => {
    throw new Error("Redis only");
  });
}

/** Runs `script` with "warm" on `key` as soon as the restarted server answers (within 5 s). */
async function runOnceBack(store: RedisStore, script: ReturnType<typeof appender>, key: string) {
  for (let i = 0; i < 100; i++) {
    const ran = await store.run(script, [key], ["warm"]).then(
      () => true,
      () => new Promise<boolean>((r) => setTimeout(() => r(false), 50)),
    );
    if (ran) return true;
  }
  return false;
}

for (const useClientInternals of [true, false]) {
  describe.runIf(inject("redisPort") !== null)(
    `a script's first run keeps its place among calls made together (useClientInternals: ${useClientInternals})`,
    () => {
      const fault = onPrivateRedis({ store: { useClientInternals } });

      /** Runs `first` (not yet on the server) and `then` (already there) without waiting in between. */
      async function together(
        key: string,
        first: ReturnType<typeof appender>,
        then: ReturnType<typeof appender>,
      ) {
        const store = fault.store as RedisStore;
        await Promise.all([store.run(first, [key], ["1"]), store.run(then, [key], ["2"])]);
        return store.client.lrange(key, 0, -1);
      }

      it("runs a script new to the server before the calls made after it", async () => {
        const store = fault.store as RedisStore;
        const [a, b] = [appender("a"), appender("b")];
        const key = store.keys.key("order", randomUUID());
        await store.run(b, [key], ["warm"]);
        expect(await together(key, a, b)).toEqual(["b:warm", "a:1", "b:2"]);
      });

      it("does so again after the server restarted and forgot every script", async () => {
        const store = fault.store as RedisStore;
        const [a, b] = [appender("a"), appender("b")];
        const warm = store.keys.key("order", randomUUID());
        await store.run(a, [warm], ["warm"]);
        await store.run(b, [warm], ["warm"]);
        await fault.redis.restart();
        const key = store.keys.key("order", randomUUID());
        // The first call that gets through after the restart puts b back on the server.
        expect(await runOnceBack(store, b, key)).toBe(true);
        expect(await together(key, a, b)).toEqual(["b:warm", "a:1", "b:2"]);
      });
    },
  );
}

describe.runIf(inject("redisPort") !== null)(
  "a script's first run keeps its place among calls made together, on a Cluster of its own",
  () => {
    // Its own cluster: the shared one's script caches are flushed by another test file.
    let cluster: PrivateCluster;
    let store: RedisStore;
    beforeAll(async () => {
      cluster = await PrivateCluster.start(3);
      store = (await createStore({
        type: "redis",
        redis: { clusterNodes: cluster.seeds },
        env: {},
        checkServer: false,
        ioredis: ioredisModule(),
      })) as RedisStore;
    }, 30_000);
    afterAll(async () => {
      await store?.close();
      await cluster?.stop();
    });

    it("runs a script new to a node before the calls made after it, on every node", async () => {
      // Keys on 12 random slots reach each of the three masters.
      for (let i = 0; i < 12; i++) {
        const [a, b] = [appender("a"), appender("b")];
        const key = store.keys.key("order", randomUUID());
        await store.run(b, [key], ["warm"]);
        await Promise.all([store.run(a, [key], ["1"]), store.run(b, [key], ["2"])]);
        expect(await store.client.lrange(key, 0, -1)).toEqual(["b:warm", "a:1", "b:2"]);
      }
    });

    it("does so again after a master restarted and forgot every script", async () => {
      const [a, b] = [appender("a"), appender("b")];
      const key = store.keys.key("order", randomUUID());
      await store.run(a, [key], ["warm-a"]);
      await store.run(b, [key], ["warm-b"]);
      // The master of the key's slot, restarted within the cluster's node timeout: same slots, no
      // data, no scripts.
      const owner = (store.client as Cluster).slots[calculateSlot(key)][0];
      const node = cluster.nodes.find((n) => owner.endsWith(`:${n.port}`))!;
      await node.restart();
      expect(await runOnceBack(store, b, key)).toBe(true);
      await Promise.all([store.run(a, [key], ["1"]), store.run(b, [key], ["2"])]);
      expect(await store.client.lrange(key, 0, -1)).toEqual(["b:warm", "a:1", "b:2"]);
    });
  },
);
