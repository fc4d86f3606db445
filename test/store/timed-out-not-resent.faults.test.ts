/**
 * A command whose caller was told "timed out" is never sent afterwards (docs/stores.md).
 *
 * ioredis Cluster keeps a command it is retrying (after CLUSTERDOWN or TRYAGAIN, in its delay queue;
 * after a late MOVED or ASK, at once) even once its own `commandTimeout` has rejected the command's
 * promise, and sends it when the cluster answers again: a write the caller gave up on then runs
 * after the caller's later writes (a channel message delivered after a later one, in the Cluster
 * failover test). On a private cluster: a slot stops being served, a write times out while ioredis
 * retries it, the slot is served again, a later write succeeds; the timed-out one must not have run.
 */
import calculateSlot from "cluster-key-slot";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Cluster } from "ioredis";
import { createStore } from "../../src/store/create-store.js";
import type { RedisStore } from "../../src/store/redis/redis-store.js";
import { isStoreTimeoutError } from "../../src/errors/store-errors.js";
import { ReplicatedCluster, redisCli, waitFor } from "../support/topology.js";
import { ioredisModule } from "../support/ioredis.js";
import { uniquePrefix } from "../support/stores.js";
import { countBig } from "../fixtures/count-big.js";

const hasRedis = inject("redisPort") !== null;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(hasRedis)("a command that timed out on a Redis Cluster", () => {
  let cluster: ReplicatedCluster | undefined;
  const stores: RedisStore[] = [];

  beforeAll(async () => {
    cluster = await ReplicatedCluster.start({ masters: 3, replicas: 0 });
    // Only the slot taken away stops being served, not the whole cluster.
    for (const n of cluster.nodes) await n.cli("CONFIG", "SET", "cluster-require-full-coverage", "no");
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await cluster?.stop();
  });

  const open = async (useClientInternals: boolean) => {
    const s = (await createStore({
      type: "redis",
      env: cluster!.env,
      prefix: uniquePrefix(),
      checkServer: false,
      commandTimeoutMs: 300,
      useClientInternals,
      ioredis: ioredisModule(),
    })) as RedisStore;
    stores.push(s);
    return s;
  };

  /** Runs `countBig` on `key` and names what the caller was told. */
  const outcomeOf = (s: RedisStore, key: string, callId: string) =>
    s.run(countBig, [key], [callId, 1]).then(
      () => "resolved",
      (e: unknown) => (isStoreTimeoutError(e) ? "timeout" : `other: ${String(e)}`),
    );
  /** The call ids `countBig` ran for on `key`, in the order they first ran (a small hash keeps it). */
  const callsOn = async (port: number, key: string) =>
    (await redisCli(port, "HGETALL", key)).split("\n").filter((_, i) => i % 2 === 0);

  /**
   * A slot stops being served (CLUSTERDOWN "Hash slot not served", which ioredis retries every
   * 100 ms, up to 16 times), a write times out meanwhile, the slot is served again and a later
   * write succeeds. Returns the call ids that ran.
   */
  const clusterDownScenario = async (s: RedisStore) => {
    const key = s.keys.key("once", "timed-out");
    await s.run(countBig, [key], ["warm-up", 1]); // connections open, script cached
    const slot = calculateSlot(key);
    const owner = await cluster!.ownerOf(slot);
    await redisCli(owner.port, "CLUSTER", "DELSLOTS", String(slot));
    try {
      expect(await outcomeOf(s, key, "timed-out")).toBe("timeout");
    } finally {
      await redisCli(owner.port, "CLUSTER", "ADDSLOTS", String(slot));
    }
    await waitFor(async () => (await outcomeOf(s, key, "later")) === "resolved", 10_000, "a later write");
    // ioredis' retries of the timed-out command would all have come by now (16 × 100 ms).
    await sleep(2500);
    return callsOn(owner.port, key);
  };

  it("is not sent after its timeout while ioredis retried it after CLUSTERDOWN", async () => {
    expect(await clusterDownScenario(await open(true))).toEqual(["warm-up", "later"]);
  });

  it("is not sent after its timeout when a MOVED comes for it later (a coordinated failover)", async () => {
    const s = await open(true);
    const key = s.keys.key("once", "moved-late");
    const slot = calculateSlot(key);
    const view = await cluster!.view();
    const owner = await cluster!.ownerOf(slot);
    const target = view.find((v) => v.role === "master" && v.id !== owner.id)!;
    // Cached everywhere, so that a redirected EVALSHA would run rather than meet NOSCRIPT.
    for (const n of cluster!.nodes) await n.cli("SCRIPT", "LOAD", countBig.lua);
    await s.run(countBig, [s.keys.key("once", "warm-up")], ["warm-up", 1]);
    // As the old master of a CLUSTER FAILOVER does: writes wait, then get MOVED to the new owner.
    await redisCli(owner.port, "CLIENT", "PAUSE", "10000", "WRITE");
    try {
      expect(await outcomeOf(s, key, "timed-out")).toBe("timeout");
      for (const port of [target.port, owner.port, ...view.map((v) => v.port)]) {
        await redisCli(port, "CLUSTER", "SETSLOT", String(slot), "NODE", target.id);
      }
      await new Promise<void>((resolve, reject) =>
        (s.client as Cluster).refreshSlotsCache((e) => (e ? reject(e) : resolve())),
      );
      expect(await outcomeOf(s, key, "later")).toBe("resolved");
    } finally {
      await redisCli(owner.port, "CLIENT", "UNPAUSE");
    }
    await sleep(500);
    expect(await callsOn(target.port, key)).toEqual(["later"]);
  });

  it("may still be sent by ioredis when the store may not use the client's internals (documented)", async () => {
    // Without its own commands (useClientInternals: false) the store sends client.evalsha(…): what
    // ioredis does with it after rejecting its promise is out of the store's hands. The write its
    // caller was told timed out still runs, once the slot is served again: before or after the
    // later write, as ioredis' next 100 ms retry and the later write happen to fall. If this starts
    // failing, ioredis no longer resends: update docs/stores.md ("Timeouts").
    const ran = await clusterDownScenario(await open(false));
    expect([...ran].sort()).toEqual(["later", "timed-out", "warm-up"]);
  });
});
