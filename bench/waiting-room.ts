/**
 * Waiting-room benchmark: fills a room with 100,000 users, then measures `position` (one Lua script:
 * reclaim check, admission check, ZRANK, heartbeat refresh) at concurrency 50, beside the seed's
 * hand-written approach: a raw ZRANK on a sorted set scored by join timestamp, and beside the same
 * ZRANK in a one-line script (EVALSHA), the floor of any `position` that is one atomic script.
 *
 *   npm run bench:waiting-room                # starts a private redis-server
 *   BENCH_DURATION_MS=1000 tsx bench/waiting-room.ts
 *   BENCH_ROUNDS=5 tsx bench/waiting-room.ts  # interleaved rounds, median printed (default 3)
 *
 * `runWaitingRoomBench(url)` is also called by bench/flashsale.ts.
 */
import { randomUUID } from "node:crypto";
import { pathToFileURL } from "node:url";
import type { Redis } from "ioredis";
import { createStore, createWaitingRoom, type RedisStore } from "holdfast";
import {
  environmentLine,
  measure,
  printTable,
  redisCpuSampler,
  type Measurement,
} from "./support/harness.js";
import { envInt } from "./support/env.js";

const USERS = 100_000;
const CONCURRENCY = 50;
const FILL_BATCH = 1_000;
const ROUNDS = envInt("BENCH_ROUNDS", 3, 1);
const SEED_ROW = "raw ZRANK (seed)";
/** The same ZRANK inside a one-line Lua script: the floor for any call that is one atomic script. */
const SCRIPT_FLOOR_ROW = "ZRANK in a one-line script (floor of any script)";
const UNBATCHED_ROW = "holdfast position, one script run per call (maxPositionBatch 1)";
const ZRANK_SCRIPT = "return redis.call('ZRANK', KEYS[1], ARGV[1])";

/** Runs the benchmark against the Redis at `redisUrl` and returns the Markdown table. */
export async function runWaitingRoomBench(redisUrl: string): Promise<string> {
  const prefix = `bench-wr-${randomUUID().slice(0, 8)}:`;
  const store = await createStore({
    type: "redis",
    redis: { url: redisUrl },
    prefix,
    env: {},
    checkServer: false,
  });
  const client = (store as RedisStore).client as Redis;
  // Long TTLs: nobody may drop out while the benchmark runs.
  const ttls = { heartbeatTtlMs: 600_000, admissionTtlMs: 600_000 };
  // BENCH_POSITION_BATCH sets maxPositionBatch (default: the option's default).
  const batch = process.env.BENCH_POSITION_BATCH;
  const rooms = createWaitingRoom(store, batch ? { ...ttls, maxPositionBatch: Number(batch) } : ttls);
  // Every call its own script run: the cost of one call, where calls on a room do not coincide.
  const unbatched = createWaitingRoom(store, { ...ttls, maxPositionBatch: 1 });
  const room = "flash-sale";
  const seedKey = `${prefix}queue:{flash-sale}`;
  try {
    const fillStart = performance.now();
    // Batches of join scripts sent without waiting for each reply: ioredis writes them back to back,
    // so the fill is pipelined while every join stays one atomic script.
    for (let from = 0; from < USERS; from += FILL_BATCH) {
      const joins: Promise<unknown>[] = [];
      for (let i = from; i < Math.min(USERS, from + FILL_BATCH); i++)
        joins.push(rooms.join(room, `user-${i}`));
      await Promise.all(joins);
      if ((from + FILL_BATCH) % 20_000 === 0) {
        process.stdout.write(
          `  filled ${from + FILL_BATCH} / ${USERS} users (${Math.round(performance.now() - fillStart)} ms)\n`,
        );
      }
    }
    // The seed's layout: score = join timestamp, filled with pipelined ZADDs.
    for (let from = 0; from < USERS; from += 10_000) {
      const p = client.pipeline();
      for (let i = from; i < from + 10_000; i++) p.zadd(seedKey, Date.now(), `user-${i}`);
      await p.exec();
    }
    const length = await rooms.length(room);
    if (length !== USERS) throw new Error(`fill went wrong: ${length} users queued, expected ${USERS}`);

    const pick = (w: number, i: number) => `user-${(w * 7919 + i * 104_729) % USERS}`;
    const zrankSha = (await client.script("LOAD", ZRANK_SCRIPT)) as string;
    const impls: [string, (w: number, i: number) => Promise<unknown>][] = [
      [SEED_ROW, (w, i) => client.zrank(seedKey, pick(w, i))],
      [SCRIPT_FLOOR_ROW, (w, i) => client.evalsha(zrankSha, 1, seedKey, pick(w, i))],
      ["holdfast position", (w, i) => rooms.position(room, pick(w, i))],
      [UNBATCHED_ROW, (w, i) => unbatched.position(room, pick(w, i))],
      ["holdfast isAdmitted", (w, i) => rooms.isAdmitted(room, pick(w, i))],
    ];
    // Redis CPU per call beside the client's: which side is the bottleneck (sampled before and
    // after each row, when no call is in flight).
    const serverCpu = redisCpuSampler(client);
    // Rounds interleave the rows (each round starts with another), and each row is its median
    // round: a load spike from other processes then lands on no row only.
    const runs = new Map<string, Measurement[]>(impls.map(([name]) => [name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (let j = 0; j < impls.length; j++) {
        const [name, op] = impls[(round + j) % impls.length];
        runs.get(name)!.push(await measure({ name, concurrency: CONCURRENCY, op, serverCpu }));
      }
    }
    const rows = impls.map(([name]) => {
      const ms = [...runs.get(name)!].sort((a, b) => a.opsPerSec - b.opsPerSec);
      return ms[Math.floor(ms.length / 2)];
    });
    const version = (await store.health()).serverVersion;
    const title = `Waiting room: position in a room of ${USERS.toLocaleString("en-US")} users, median of ${ROUNDS} interleaved round(s) (${await environmentLine(version)})`;
    const table = printTable(title, rows, SEED_ROW);
    for (const [name] of impls.slice(1)) {
      const ratios = runs
        .get(name)!
        .map((m, r) => m.opsPerSec / runs.get(SEED_ROW)![r].opsPerSec)
        .sort((a, b) => a - b);
      console.log(
        `${name}: ${ratios[Math.floor(ratios.length / 2)].toFixed(2)}× raw ZRANK, median of the per-round ratios (${ratios[0].toFixed(2)}–${ratios[ratios.length - 1].toFixed(2)})`,
      );
    }
    return table;
  } finally {
    const k = store.keys;
    await client
      .del(
        seedKey,
        k.key("room", room, "q"),
        k.key("room", room, "hb"),
        k.key("room", room, "adm"),
        k.key("room", room, "seq"),
      )
      .catch(() => undefined);
    await store.close();
    client.disconnect();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { PrivateRedis } = await import("./support/redis-server.js");
  const redis = await PrivateRedis.start();
  try {
    await runWaitingRoomBench(redis.url);
  } finally {
    await redis.stop();
  }
}
