/**
 * A Redis Cluster with one replica per master (`cluster-node-timeout` 1500 ms), under a live
 * workload of every primitive: a coordinated `CLUSTER FAILOVER`, a `kill -9` of a master, and a
 * slot holding live keys moved to another master (MIGRATING/IMPORTING + MIGRATE), so that clients
 * get ASK, TRYAGAIN and MOVED. Checks the invariants of the Sentinel test, and that no script ran
 * twice behind a caller's back (every call of the once-workload counts its executions).
 */
import calculateSlot from "cluster-key-slot";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Cluster } from "ioredis";
import { createStore } from "../../src/store/create-store.js";
import type { Store } from "../../src/store/types.js";
import type { RedisStore } from "../../src/store/redis/redis-store.js";
import { createLocks } from "../../src/lock/index.js";
import { createInventory } from "../../src/inventory/index.js";
import { createChannels, type Channels } from "../../src/channel/index.js";
import { ReplicatedCluster, parseInfo, waitFor } from "../support/topology.js";
import { uniquePrefix } from "../support/stores.js";
import { LockWorkload } from "../../bench/support/workloads/lock-workload.js";
import { InventoryWorkload } from "../../bench/support/workloads/inventory-workload.js";
import { ChannelWorkload } from "../../bench/support/workloads/channel-workload.js";
import { OnceWorkload } from "../../bench/support/workloads/once-workload.js";
import { MixedWorkload } from "../../bench/support/workloads/mixed-workload.js";

const hasRedis = inject("redisPort") !== null;

describe.runIf(hasRedis)("Redis Cluster with replicas: failover and resharding under load", () => {
  let cluster: ReplicatedCluster | undefined;
  const stores: Store[] = [];
  const channelSets: Channels[] = [];

  beforeAll(async () => {
    cluster = await ReplicatedCluster.start({ masters: 3, replicas: 1, nodeTimeoutMs: 1500 });
  });
  afterAll(async () => {
    await Promise.all(channelSets.map((c) => c.close()));
    await Promise.all(stores.map((s) => s.close()));
    await cluster?.stop();
  });

  it("keeps every promise through CLUSTER FAILOVER, kill -9 of a master and a slot migration", async () => {
    const c = cluster!;
    const prefix = uniquePrefix();
    const open = async () => {
      const s = await createStore({
        type: "redis",
        env: c.env, // REDIS_CLUSTER_NODES
        prefix,
        checkServer: false,
        commandTimeoutMs: 1000,
        reconnectCapMs: 100,
      });
      stores.push(s);
      return s;
    };
    const locks = new LockWorkload(await Promise.all([1, 2, 3].map(async () => createLocks(await open()))), {
      key: "register",
      ttlMs: 1500,
      waitMs: 100,
    });
    const inventory = new InventoryWorkload(
      await Promise.all([1, 2].map(async () => createInventory(await open()))),
      { item: "{sale}:sku", holdTtlMs: 2000 },
    );
    const [pub, sub] = [createChannels(await open()), createChannels(await open())];
    channelSets.push(pub, sub);
    const channel = new ChannelWorkload(pub, sub, "{sale}:feed");
    const onceStores = [await open(), await open()];
    const once = new OnceWorkload(onceStores, ["register", "sale", "elsewhere"]);
    const mixed = new MixedWorkload([await open(), await open()]);
    const all = [locks, inventory, channel, once, mixed];
    const lastSuccess = () => all.map((w) => w.tally.lastSuccessAt);
    const allWorkAfter = (t: number, what: string) =>
      waitFor(() => lastSuccess().every((s) => s > t), 30_000, `every workload to work again after ${what}`);

    await inventory.setup();
    locks.start();
    inventory.start();
    await channel.start();
    once.start();
    mixed.start();
    await allWorkAfter(performance.now(), "the start");

    const recovery: Record<string, number> = {};
    const measure = async (what: string, fault: () => Promise<unknown>) => {
      const t = performance.now();
      await fault();
      await allWorkAfter(t, what);
      recovery[what] = Math.round(Math.max(...lastSuccess()) - t);
    };
    // (a) A coordinated failover of the locks' master, then a crash of the stock's master.
    await measure("CLUSTER FAILOVER", () => c.failover(calculateSlot("register")));
    await measure("kill -9 of a master", () => c.killMaster(calculateSlot("sale")));
    // (b) The stock's slot, with its live keys, moves to another master while clients use it.
    for (const n of c.nodes.filter((x) => x.running)) await n.cli("CONFIG", "RESETSTAT");
    let migration: { from: number; to: number; keys: number } | undefined;
    await measure("slot migration", async () => {
      migration = await c.migrateSlot(calculateSlot("sale"), { batch: 1, pauseMs: 150 });
    });
    const redirects = { ASK: 0, MOVED: 0, TRYAGAIN: 0 };
    for (const n of c.nodes.filter((x) => x.running)) {
      const stats = parseInfo(await n.cli("INFO", "errorstats"));
      for (const k of Object.keys(redirects) as (keyof typeof redirects)[]) {
        redirects[k] += Number(/count=(\d+)/.exec(stats.get(`errorstat_${k}`) ?? "")?.[1] ?? 0);
      }
    }
    const acquired = locks.acquired;
    await waitFor(() => locks.acquired >= acquired + 5, 20_000, "more leases after the migration");

    await Promise.all(all.map((w) => w.stop()));
    const ch = await channel.settle();
    const verdict = await inventory.verify(createInventory(stores[3]));
    const client = (onceStores[0] as RedisStore).client as Cluster;
    const twice = await once.doubleRuns((key) => client.hgetall(key));

    console.log(
      `cluster: recovery ms ${JSON.stringify(recovery)}; migration ${JSON.stringify(migration)}, ` +
        `redirects seen by the servers ${JSON.stringify(redirects)}; leases ${locks.acquired}, fenced writes ` +
        `accepted ${locks.register.accepted}, refused ${locks.register.refused}; holds ${inventory.holds.size}, ` +
        `lost holds ${verdict.lostHolds}, lost commits ${verdict.lostCommits}; channel ${JSON.stringify(ch)}; ` +
        `once: ${once.calls} calls; mixed: ${mixed.tally.ops} ops, ${JSON.stringify(Object.fromEntries(mixed.tally.typed))}`,
    );
    expect(all.flatMap((w) => w.tally.untyped)).toEqual([]);
    expect(locks.register.staleAccepted).toBe(0);
    expect(locks.fences.regressions).toBe(0);
    expect(inventory.invariantViolations).toBe(0);
    expect(inventory.oversold).toBe(0);
    expect(verdict.sold).toBe(verdict.confirmedSold);
    expect(verdict.final.held).toBe(0);
    expect(ch.silentHoles).toBe(0);
    expect(ch.duplicates).toBe(0);
    expect(ch.outOfOrder, `late arrivals: ${JSON.stringify(ch.lateArrivals)}`).toBe(0);
    // The subscriber came back on a promoted replica: told that history may be missing.
    expect(ch.gaps).toBeGreaterThan(0);
    expect(twice).toEqual([]);
    expect(once.repliedTwice).toBe(0);
    expect(migration!.keys).toBeGreaterThan(0);
    expect(redirects.ASK + redirects.TRYAGAIN).toBeGreaterThan(0);
    expect(redirects.MOVED).toBeGreaterThan(0);
  }, 120_000);
});
