/**
 * Lock cycles (acquire + release) per second, latency and client CPU per cycle, for Holdfast,
 * redlock, redis-semaphore's Mutex and a hand-written minimal lock (SET NX PX + compare-and-delete
 * via EVALSHA: the 2-round-trip floor), against one private Redis, one connection each.
 *
 *   npm run bench:locks                        # 3 s per row
 *   BENCH_DURATION_MS=1000 BENCH_ROUNDS=1 npm run bench:locks   # quick check
 *   HOLDFAST_IOREDIS=5 npm run bench:locks      # every client on ioredis 5 (default 6)
 *
 * Each row is the median of BENCH_ROUNDS (default 3) interleaved runs, to damp load drift.
 * Holdfast runs twice, on each ioredis major (A/B in the same run); the peers and the minimal lock
 * use the major HOLDFAST_IOREDIS names. A third Holdfast row runs that major's public-API path
 * (`useClientInternals: false`), which shows what the store's use of ioredis' private parts buys.
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
// @ts-expect-error redlock 5 beta's package.json "exports" has no "types" entry for ESM.
import RedlockModule from "redlock";
import { Mutex } from "redis-semaphore";
import {
  environmentLine,
  measure,
  printTable,
  redisCpuSampler,
  type Measurement,
} from "./support/harness.js";
import { PrivateRedis } from "./support/redis-server.js";
import {
  ioredisMajor,
  ioredisModule,
  ioredisVersion,
  newRedisClient,
  type IoredisMajor,
} from "./support/ioredis.js";
import { createLocks, createStore } from "holdfast";
import { envInt } from "./support/env.js";

const TTL_MS = 30_000;
const CONCURRENCIES = [1, 50];
const RELEASE_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

type Cycle = (worker: number) => Promise<unknown>;
type RedlockCtor = new (
  clients: Redis[],
  settings: { retryCount: number },
) => { acquire(resources: string[], ttlMs: number): Promise<{ release(): Promise<unknown> }> };

/** Rounds per row; each round runs every implementation in a rotated order, the median is kept. */
const ROUNDS = envInt("BENCH_ROUNDS", 3, 1);

function median(ms: Measurement[]): Measurement {
  const sorted = [...ms].sort((a, b) => a.opsPerSec - b.opsPerSec);
  return sorted[Math.floor(sorted.length / 2)];
}

const MAJOR = ioredisMajor();
const OTHER: IoredisMajor = MAJOR === 5 ? 6 : 5;
const holdfastOn = (major: IoredisMajor) => `holdfast (ioredis ${ioredisVersion(major)})`;
const HOLDFAST = holdfastOn(MAJOR);
const PUBLIC_PATH = `holdfast, public API only (ioredis ${ioredisVersion(MAJOR)})`;

async function main(): Promise<void> {
  const redis = await PrivateRedis.start();
  const clients: Redis[] = [];
  const client = () => {
    const c = newRedisClient({
      port: redis.port,
      host: "127.0.0.1",
      enableAutoPipelining: false,
      lazyConnect: false,
    });
    clients.push(c);
    return c;
  };
  const stores: Awaited<ReturnType<typeof createStore>>[] = [];
  try {
    // Holdfast: its own store, exactly as createStore configures a production client.
    const holdfastCycle = async (name: string, major: IoredisMajor, useClientInternals = true) => {
      const store = await createStore({
        type: "redis",
        redis: { host: "127.0.0.1", port: redis.port },
        env: {},
        checkServer: false,
        prefix: `bench:${stores.length}:`,
        ioredis: ioredisModule(major),
        useClientInternals,
      });
      stores.push(store);
      const locks = createLocks(store, { ttlMs: TTL_MS });
      const hfKeys = Array.from({ length: 64 }, (_, w) => `hf-${w}`);
      const cycle: Cycle = async (w) => {
        const lease = await locks.acquire(hfKeys[w]);
        await locks.release(lease);
      };
      return [name, cycle] as [string, Cycle];
    };

    const minimalClient = client();
    const releaseSha = (await minimalClient.script("LOAD", RELEASE_LUA)) as string;
    const minKeys = Array.from({ length: 64 }, (_, w) => `bench:min:{${w}}`);
    const minimal: Cycle = async (w) => {
      const token = randomUUID();
      if ((await minimalClient.set(minKeys[w], token, "PX", TTL_MS, "NX")) !== "OK") throw new Error("held");
      await minimalClient.evalsha(releaseSha, 1, minKeys[w], token);
    };

    const redlock = new (RedlockModule as RedlockCtor)([client()], { retryCount: 0 });
    const rlKeys = Array.from({ length: 64 }, (_, w) => `bench:rl:{${w}}`);
    const redlockCycle: Cycle = async (w) => {
      const lock = await redlock.acquire([rlKeys[w]], TTL_MS);
      await lock.release();
    };

    const semClient = client();
    const semKeys = Array.from({ length: 64 }, (_, w) => `rs:${w}`);
    const semaphore: Cycle = async (w) => {
      const m = new Mutex(semClient, semKeys[w], {
        lockTimeout: TTL_MS,
        refreshInterval: 0,
        acquireAttemptsLimit: 1,
      });
      await m.acquire();
      await m.release();
    };

    const serverCpu = redisCpuSampler(client());
    const impls: [string, Cycle][] = [
      ["minimal (SET NX + EVALSHA)", minimal],
      await holdfastCycle(HOLDFAST, MAJOR),
      ["redlock 5", redlockCycle],
      ["redis-semaphore Mutex", semaphore],
      await holdfastCycle(holdfastOn(OTHER), OTHER),
      await holdfastCycle(PUBLIC_PATH, MAJOR, false),
    ];
    const rows: Measurement[] = [];
    const runsAt = new Map<number, Map<string, Measurement[]>>();
    for (const concurrency of CONCURRENCIES) {
      // The machine's load drifts: interleave implementations and rotate who runs first.
      const runs = new Map<string, Measurement[]>(impls.map(([n]) => [n, []]));
      runsAt.set(concurrency, runs);
      for (let round = 0; round < ROUNDS; round++) {
        for (let i = 0; i < impls.length; i++) {
          const [name, cycle] = impls[(i + round) % impls.length];
          runs.get(name)!.push(await measure({ name, concurrency, op: (w) => cycle(w), serverCpu }));
        }
      }
      for (const [name] of impls) rows.push(median(runs.get(name)!));
    }
    const version = (await minimalClient.info("server")).match(/redis_version:(\S+)/)?.[1];
    console.log(`${await environmentLine(version)}, peers on ioredis ${ioredisVersion(MAJOR)}`);
    printTable("Lock cycles (acquire + release), one connection each", rows, "minimal (SET NX + EVALSHA)");
    // Ratios are taken within each round and the median is printed with the range: the machine's
    // speed drifts between rounds by more than the differences measured here.
    console.log(`Ratios: median of the ${ROUNDS} per-round ratios (lowest–highest).`);
    for (const concurrency of CONCURRENCIES) {
      const runs = runsAt.get(concurrency)!;
      const ratio = (n: string, of: (m: Measurement) => number = (m) => m.opsPerSec, hf = HOLDFAST) => {
        const rs = runs
          .get(hf)!
          .map((m, r) => of(m) / of(runs.get(n)![r]))
          .sort((a, b) => a - b);
        return `${rs[Math.floor(rs.length / 2)].toFixed(2)}× (${rs[0].toFixed(2)}–${rs[rs.length - 1].toFixed(2)})`;
      };
      const minimalName = "minimal (SET NX + EVALSHA)";
      const ops = (m: Measurement) => m.opsPerSec;
      for (const hf of [HOLDFAST, holdfastOn(OTHER)]) {
        console.log(
          `concurrency ${concurrency}, ${hf}: ${ratio("redlock 5", ops, hf)} redlock, ` +
            `${ratio("redis-semaphore Mutex", ops, hf)} redis-semaphore, ${ratio(minimalName, ops, hf)} minimal; ` +
            `p99 ${ratio(minimalName, (m) => m.p99Ms, hf)} the minimal lock's (holdfast also issues a fencing token per acquire)`,
        );
      }
      console.log(
        `concurrency ${concurrency}: holdfast on ioredis ${ioredisVersion(6)} vs ${ioredisVersion(5)}: ` +
          `${ratio(holdfastOn(5), ops, holdfastOn(6))} throughput; ${HOLDFAST} vs its public API path: ${ratio(PUBLIC_PATH)}`,
      );
    }
  } finally {
    for (const s of stores) await s.close();
    for (const c of clients) c.disconnect();
    await redis.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
