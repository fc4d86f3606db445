/**
 * Rate-limit checks per second, latency and client and Redis CPU per check at concurrency 50: each
 * Holdfast algorithm beside rate-limiter-flexible's RateLimiterRedis (same ioredis client type),
 * beside the very script Holdfast runs sent by hand with EVALSHA from a plain ioredis client (the
 * one-round-trip floor: what the library adds on top of its script), and beside a minimal
 * hand-written fixed window (INCRBY + PEXPIRE, no state beyond a counter) for reference; plus a
 * check over two limits against a single limit. One private Redis, one connection each, same run.
 *
 *   npm run bench:limits                        # 3 s per row (about 2 minutes)
 *   BENCH_DURATION_MS=1000 npm run bench:limits
 *   BENCH_ROUNDS=5 npm run bench:limits         # interleaved rounds, median printed (default 3)
 *   HOLDFAST_IOREDIS=5 npm run bench:limits     # every client on ioredis 5 (default 6)
 *
 * Holdfast runs on both ioredis majors in the same run (A/B): its main rows and every peer on the
 * major HOLDFAST_IOREDIS names, and one more row per algorithm on the other major.
 */
import type { Redis } from "ioredis";
import { RateLimiterRedis } from "rate-limiter-flexible";
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
import { createRateLimiter, createStore, type LimitSpec } from "holdfast";
import { capturedScript } from "./support/script-capture.js";
import { envInt } from "./support/env.js";

const CONCURRENCY = 50;
/** Interleaved rounds per implementation; the median round is printed. */
const ROUNDS = envInt("BENCH_ROUNDS", 3, 1);
/** Checks spread over this many keys (users); the quotas are large so almost every check passes. */
const KEYS = 1000;
const WINDOW_MS = 60_000;
const QUOTA = 1_000_000_000;
const FLOOR_LUA = `local c = redis.call('INCRBY', KEYS[1], ARGV[1])
if c == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return c`;
const MINIMAL = "minimal hand-written fixed window (INCRBY, EVALSHA)";
const byHand = (what: string) => `${what}: its script by hand (EVALSHA)`;
const PEER = "rate-limiter-flexible RateLimiterRedis";
const TWO = "holdfast 2 limits (gcra + fixed-window)";

type Check = (worker: number, i: number) => Promise<unknown>;

const MAJOR = ioredisMajor();
const OTHER: IoredisMajor = MAJOR === 5 ? 6 : 5;
/** The name of a Holdfast row on the other major, beside its row on the main one. */
const onOther = (row: string) => `${row} (ioredis ${ioredisVersion(OTHER)})`;

const SPECS: Record<string, LimitSpec> = {
  "fixed-window": { algorithm: "fixed-window", limit: QUOTA, windowMs: WINDOW_MS },
  "sliding-window": { algorithm: "sliding-window", limit: QUOTA, windowMs: WINDOW_MS },
  "token-bucket": { algorithm: "token-bucket", burst: QUOTA, ratePerSec: 1_000_000 },
  gcra: { algorithm: "gcra", burst: QUOTA, ratePerSec: 1_000_000 },
};

async function main(): Promise<void> {
  const redis = await PrivateRedis.start();
  const clients: Redis[] = [];
  const client = () => {
    const c = newRedisClient({ port: redis.port, host: "127.0.0.1", enableAutoPipelining: false });
    clients.push(c);
    return c;
  };
  const storeOn = (major: IoredisMajor) =>
    createStore({
      type: "redis",
      redis: { host: "127.0.0.1", port: redis.port },
      env: {},
      checkServer: false,
      prefix: `bench:${major}:`,
      ioredis: ioredisModule(major),
    });
  const store = await storeOn(MAJOR);
  const otherStore = await storeOn(OTHER);
  try {
    const names = Array.from({ length: KEYS }, (_, i) => `user-${i}`);
    const pick = (w: number, i: number) => names[(w * 7919 + i) % KEYS];

    const floorClient = client();
    const floorSha = (await floorClient.script("LOAD", FLOOR_LUA)) as string;
    const floorKeys = names.map((n) => `bench:floor:{${n}}`);
    const minimal: Check = (w, i) =>
      floorClient.evalsha(floorSha, 1, floorKeys[(w * 7919 + i) % KEYS], 1, WINDOW_MS);

    // Holdfast's own consume script for these limits, sent by hand: the one-round-trip floor.
    const handClient = client();
    const handCheck = async (label: string, specs: LimitSpec[]): Promise<Check> => {
      const script = await capturedScript((s) =>
        createRateLimiter(s, { name: "hand", limits: specs }).consume("x"),
      );
      const args = script.args;
      await handClient.script("LOAD", script.lua);
      const keys = names.map((n) => `bench:hand:${label}:{${n}}`);
      return (w, i) => handClient.evalsha(script.sha, 1, keys[(w * 7919 + i) % KEYS], ...args);
    };

    const peer = new RateLimiterRedis({
      storeClient: client(),
      points: QUOTA,
      duration: WINDOW_MS / 1000,
      keyPrefix: "bench-rlf",
    });
    const peerCheck: Check = (w, i) => peer.consume(pick(w, i), 1);

    const serverCpu = redisCpuSampler(client());
    const impls: [string, Check][] = [
      [MINIMAL, minimal],
      [PEER, peerCheck],
    ];
    for (const [algorithm, spec] of Object.entries(SPECS)) {
      const l = createRateLimiter(store, { name: `b-${algorithm}`, limits: [spec] });
      impls.push([`holdfast ${algorithm}`, (w, i) => l.consume(pick(w, i))]);
      impls.push([byHand(algorithm), await handCheck(algorithm, [spec])]);
      const o = createRateLimiter(otherStore, { name: `b-${algorithm}`, limits: [spec] });
      impls.push([onOther(`holdfast ${algorithm}`), (w, i) => o.consume(pick(w, i))]);
    }
    const two: LimitSpec[] = [
      { name: "per-second", algorithm: "gcra", burst: QUOTA, ratePerSec: 1_000_000 },
      { name: "per-minute", algorithm: "fixed-window", limit: QUOTA, windowMs: WINDOW_MS },
    ];
    const multi = createRateLimiter(store, { name: "b-multi", limits: two });
    impls.push([TWO, (w, i) => multi.consume(pick(w, i))]);
    impls.push([byHand("2 limits"), await handCheck("two", two)]);
    const otherMulti = createRateLimiter(otherStore, { name: "b-multi", limits: two });
    impls.push([onOther(TWO), (w, i) => otherMulti.consume(pick(w, i))]);

    // Rounds interleave the implementations, and each row is its median round, so that a load
    // spike from other processes on the machine does not land on one implementation only.
    const byName = new Map<string, Measurement[]>();
    for (let round = 0; round < ROUNDS; round++) {
      // Each round starts with another implementation, so none always runs first or last.
      for (let i = 0; i < impls.length; i++) {
        const [name, check] = impls[(i + round * 5) % impls.length];
        const m = await measure({ name, concurrency: CONCURRENCY, op: check, serverCpu });
        byName.set(name, [...(byName.get(name) ?? []), m]);
      }
    }
    const rows: Measurement[] = impls.map(([name]) => {
      const ms = [...byName.get(name)!].sort((a, b) => a.opsPerSec - b.opsPerSec);
      return ms[Math.floor(ms.length / 2)];
    });
    const version = (await floorClient.info("server")).match(/redis_version:(\S+)/)?.[1];
    console.log(`${await environmentLine(version)}, main rows and peers on ioredis ${ioredisVersion(MAJOR)}`);
    printTable(`Rate-limit checks at concurrency ${CONCURRENCY}, one connection each`, rows, PEER);
    const at = (n: string) => rows.find((r) => r.name === n)!;
    // Ratios are taken within each round (both rows measured minutes apart at most) and the median
    // of those is printed with their range: the machine's speed drifts between rounds by more than
    // the differences measured here.
    const x = (a: string, b: string) => {
      const ratios = byName
        .get(a)!
        .map((m, r) => m.opsPerSec / byName.get(b)![r].opsPerSec)
        .sort((p, q) => p - q);
      const mid = ratios[Math.floor(ratios.length / 2)];
      return `${mid.toFixed(2)}× (${ratios[0].toFixed(2)}–${ratios[ratios.length - 1].toFixed(2)})`;
    };
    console.log(`Ratios: median of the ${ROUNDS} per-round ratios (lowest–highest).`);
    for (const algorithm of [...Object.keys(SPECS), "2 limits"]) {
      const main = algorithm === "2 limits" ? TWO : `holdfast ${algorithm}`;
      for (const hf of [main, onOther(main)]) {
        const on = hf === main ? MAJOR : OTHER;
        console.log(
          `${algorithm} on ioredis ${ioredisVersion(on)}: ${x(hf, PEER)} ${PEER} (target ≥ 1.15), ${x(hf, byHand(algorithm))} its script ` +
            `by hand (the floor, target ≥ 0.95), ${x(hf, MINIMAL)} the minimal INCRBY window; p99 ` +
            `${at(hf).p99Ms.toFixed(3)} ms vs peer ${at(PEER).p99Ms.toFixed(3)} ms, by hand ${at(byHand(algorithm)).p99Ms.toFixed(3)} ms`,
        );
      }
      const v6 = MAJOR === 6 ? main : onOther(main);
      const v5 = MAJOR === 5 ? main : onOther(main);
      console.log(`${algorithm}: holdfast on ioredis 6 vs 5: ${x(v6, v5)} throughput`);
    }
    const one = "holdfast gcra";
    console.log(
      `2 limits vs 1 (gcra): ${x(TWO, one)} throughput (target ≥ 0.90), ` +
        `p99 ${at(TWO).p99Ms.toFixed(3)} ms vs ${at(one).p99Ms.toFixed(3)} ms`,
    );
  } finally {
    await store.close();
    await otherStore.close();
    for (const c of clients) c.disconnect();
    await redis.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
