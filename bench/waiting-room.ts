/**
 * Waiting-room benchmark: fills a room with 100,000 users, then measures `position` (one Lua script:
 * reclaim check, admission check, ZRANK, heartbeat refresh) at concurrency 50, beside the seed's
 * hand-written approach: a raw ZRANK on a sorted set scored by join timestamp.
 *
 *   tsx bench/waiting-room.ts                 # starts a private redis-server
 *   BENCH_DURATION_MS=1000 tsx bench/waiting-room.ts
 *
 * `runWaitingRoomBench(url)` is also called by bench/flashsale.ts.
 */
import { randomUUID } from "node:crypto";
import { pathToFileURL } from "node:url";
import type { Redis } from "ioredis";
import { createStore } from "../src/store/create-store.js";
import type { RedisStore } from "../src/store/redis/redis-store.js";
import { createWaitingRoom } from "../src/waiting-room/index.js";
import { environmentLine, measure, printTable, type Measurement } from "./support/harness.js";

const USERS = 100_000;
const CONCURRENCY = 50;
const FILL_BATCH = 1_000;

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
  const rooms = createWaitingRoom(store, { heartbeatTtlMs: 600_000, admissionTtlMs: 600_000 });
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
    const rows: Measurement[] = [];
    rows.push(
      await measure({
        name: "raw ZRANK (seed)",
        concurrency: CONCURRENCY,
        op: (w, i) => client.zrank(seedKey, pick(w, i)),
      }),
    );
    rows.push(
      await measure({
        name: "holdfast position",
        concurrency: CONCURRENCY,
        op: (w, i) => rooms.position(room, pick(w, i)),
      }),
    );
    rows.push(
      await measure({
        name: "holdfast isAdmitted",
        concurrency: CONCURRENCY,
        op: (w, i) => rooms.isAdmitted(room, pick(w, i)),
      }),
    );
    const version = (await store.health()).serverVersion;
    const title = `Waiting room: position in a room of ${USERS.toLocaleString("en-US")} users (${await environmentLine(version)})`;
    return printTable(title, rows, "raw ZRANK (seed)");
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
  const { PrivateRedis } = await import("../test/support/redis-server.js");
  const redis = await PrivateRedis.start();
  try {
    await runWaitingRoomBench(redis.url);
  } finally {
    await redis.stop();
  }
}
