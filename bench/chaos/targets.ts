/**
 * The stores `npm run chaos` runs on, each with the faults that make sense for it. A fault injects
 * itself and resolves with the moment it began (`performance.now()`) once it is over (a paused
 * process resumed, a killed server restarted, a failover done); the harness then waits until the
 * workloads work again and measures the longest outage since that start. `settle` puts the
 * topology back (a killed master restarted as a replica) so the next fault starts from a healthy set.
 */
import calculateSlot from "cluster-key-slot";
import type { CreateStoreOptions } from "holdfast";
import { RedisNode, ReplicatedCluster, SentinelSet, type Persistence } from "../support/redis-topology.js";
import type { LockWorkload } from "../support/workloads/lock-workload.js";
import type { PausableClient } from "./paused-client.js";

export const LOCK_KEY = "chaos-lock";
export const ITEM = "{chaos-sale}:sku";

export interface FaultContext {
  lock: LockWorkload;
  /** The lock client in a process of its own (Redis targets). */
  pausable: PausableClient | undefined;
  /** Lease TTL of the lock workload, in ms. */
  lockTtlMs: number;
  /** Defines the item again after a restart lost it (as an operator restores stock). */
  restore(): Promise<void>;
}

export interface Fault {
  name: string;
  /** Loses every write made before it (a restart without persistence). */
  losesHistory?: boolean;
  inject(ctx: FaultContext): Promise<number>;
  settle?(): Promise<void>;
}

export interface Target {
  name: string;
  /** How a store reaches it; the Redis variables also go to the paused client's process. */
  store: CreateStoreOptions;
  env: Record<string, string>;
  faults: Fault[];
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();

/** SIGSTOP of a lock client holding a lease, for 1.5 × the lease TTL. */
const clientPause: Fault = {
  name: "SIGSTOP of a client holding a lease (1.5 × TTL)",
  async inject(ctx) {
    const p = ctx.pausable!.pause(Math.round(ctx.lockTtlMs * 1.5));
    const started = await p.started;
    await p.ended;
    return started;
  },
};

export function memoryTarget(): Target {
  return {
    name: "memory",
    store: { type: "memory" },
    env: {},
    faults: [
      {
        name: "in-process pause of a client holding a lease (1.5 × TTL)",
        async inject(ctx) {
          const t = now();
          await ctx.lock.pauseNextHolder(Math.round(ctx.lockTtlMs * 1.5));
          return t;
        },
      },
      {
        name: "event loop stalled (1.5 × TTL)",
        async inject(ctx) {
          const t = now();
          while (now() - t < ctx.lockTtlMs * 1.5) {
            /* a blocked event loop: GC, a CPU-bound handler */
          }
          return t;
        },
      },
    ],
    stop: async () => undefined,
  };
}

export async function standaloneTarget(persistence: Persistence): Promise<Target> {
  const node = await RedisNode.start({ persistence });
  const label =
    persistence === "none" ? "no persistence" : `AOF ${persistence === "aof-always" ? "always" : "everysec"}`;
  return {
    name: `redis (${label})`,
    store: { type: "redis", redis: { url: node.url } },
    env: { REDIS_URL: node.url },
    faults: [
      clientPause,
      redisSigstop(async () => node, 1000),
      clientPauseCommand(async () => node, 1000),
      {
        name: `kill -9 and restart (${label})`,
        losesHistory: persistence === "none",
        async inject(ctx) {
          const t = now();
          await node.kill();
          await node.start();
          await ctx.restore();
          return t;
        },
      },
    ],
    stop: () => node.stop(),
  };
}

function redisSigstop(which: () => Promise<RedisNode>, ms: number): Fault {
  return {
    name: `SIGSTOP of the Redis master (${ms} ms)`,
    async inject() {
      const node = await which();
      const t = now();
      node.pause();
      await sleep(ms);
      node.resume();
      return t;
    },
  };
}

function clientPauseCommand(which: () => Promise<RedisNode>, ms: number): Fault {
  return {
    name: `CLIENT PAUSE ${ms} WRITE on the master`,
    async inject() {
      const node = await which();
      const t = now();
      await node.cli("CLIENT", "PAUSE", String(ms), "WRITE");
      await sleep(ms);
      return t;
    },
  };
}

/**
 * @param minReplicas start the data nodes with `min-replicas-to-write 1` and
 *   `min-replicas-max-lag 1`: a master that lost its replica refuses writes (NOREPLICAS) after at
 *   most a second instead of acknowledging writes a failover will drop.
 */
export async function sentinelTarget(minReplicas = false): Promise<Target> {
  const set = await SentinelSet.start({
    downAfterMs: 1000,
    failoverTimeoutMs: 3000,
    nodeArgs: minReplicas ? ["--min-replicas-to-write", "1", "--min-replicas-max-lag", "1"] : [],
  });
  // A killed master comes back as a replica within the fault, as a process supervisor restarts it:
  // with min-replicas-to-write, writes wait for exactly that.
  const restart = (node: RedisNode) => set.restartAsReplica(node);
  return {
    name: minReplicas ? "sentinel, min-replicas-to-write 1" : "sentinel",
    store: { type: "redis", env: set.env },
    env: set.env,
    faults: [
      clientPause,
      redisSigstop(() => set.master(), 600),
      {
        name: "kill -9 of the master (failover; restarted as a replica)",
        async inject() {
          const master = await set.master();
          const t = now();
          await master.kill();
          await set.waitForNewMaster(master.port);
          await restart(master);
          return t;
        },
      },
      {
        name: "SENTINEL FAILOVER (planned)",
        async inject() {
          const t = now();
          await set.failover();
          return t;
        },
        settle: () => set.waitSettled(),
      },
      {
        name: "kill -9 of the master while its replica lags",
        async inject() {
          const master = await set.master();
          const replica = await set.replica();
          replica.pause();
          await master.cli("CLIENT", "KILL", "TYPE", "replica");
          await sleep(300); // acknowledged writes that only the master has
          const t = now();
          await master.kill();
          replica.resume();
          await set.waitForNewMaster(master.port);
          await restart(master);
          return t;
        },
      },
    ],
    stop: () => set.stop(),
  };
}

export async function clusterTarget(): Promise<Target> {
  const cluster = await ReplicatedCluster.start({ masters: 3, replicas: 1, nodeTimeoutMs: 2000 });
  const lockSlot = calculateSlot(LOCK_KEY);
  const itemSlot = calculateSlot("chaos-sale");
  let killed: RedisNode | undefined;
  const masterOf = async (slot: number) => cluster.node((await cluster.ownerOf(slot)).port);
  return {
    name: "cluster",
    store: { type: "redis", env: cluster.env },
    env: cluster.env,
    faults: [
      clientPause,
      redisSigstop(() => masterOf(lockSlot), 1000),
      {
        name: "CLUSTER FAILOVER (planned)",
        async inject() {
          const t = now();
          await cluster.failover(lockSlot);
          return t;
        },
        settle: () => cluster.waitHealthy(),
      },
      {
        name: "kill -9 of a master (replica promoted)",
        async inject() {
          const t = now();
          const { killed: port } = await cluster.killMaster(itemSlot);
          killed = cluster.node(port);
          return t;
        },
        async settle() {
          await killed?.start();
          killed = undefined;
          await cluster.waitHealthy();
        },
      },
      {
        name: "migration of the stock's slot to another master",
        async inject() {
          const t = now();
          await cluster.migrateSlot(itemSlot, { batch: 1, pauseMs: 50 });
          return t;
        },
      },
    ],
    stop: () => cluster.stop(),
  };
}
