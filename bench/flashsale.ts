/**
 * Flash-sale benchmark: holds per second, latency and client CPU per hold, at 50 concurrent
 * clients, on one hot item and spread over 10,000 items, for Holdfast's `hold()` beside what the
 * seed wrote by hand: a Lua "reserve" script (GET + DECRBY on a counter, HSET of a reservation
 * hash, EXPIRE 300 s), which is one round trip too but loses the stock of every reservation that
 * expires. Same run, same private Redis. Then the waiting-room table (bench/waiting-room.ts).
 *
 *   npm run bench:flashsale                         # 3 s per row
 *   BENCH_DURATION_MS=1000 BENCH_ROUNDS=1 npm run bench:flashsale  # quick check
 *
 * Each row is the median of BENCH_ROUNDS (default 3) interleaved runs, to damp load drift.
 */
import { existsSync } from "node:fs";
import { Redis } from "ioredis";
import { environmentLine, measure, printTable, type Measurement } from "./support/harness.js";
import { PrivateRedis } from "./support/redis-server.js";
import { createInventory, createStore } from "holdfast";
import { SEED_RESERVE_LUA } from "./support/seed-scripts.js";
import { envInt } from "./support/env.js";

const CONCURRENCY = 50;
const ITEMS = 10_000;
const STOCK = 1_000_000_000; // never runs out: every measured hold succeeds
const TTL_MS = 300_000;
const SEED_ROW = "seed reserve (DECRBY + HSET + EXPIRE)";
const HOLDFAST_ROW = "holdfast hold()";

/** Rounds per row (interleaved); the median is kept. */
const ROUNDS = envInt("BENCH_ROUNDS", 3, 1);

function median(ms: Measurement[]): Measurement {
  const sorted = [...ms].sort((a, b) => a.opsPerSec - b.opsPerSec);
  return sorted[Math.floor(sorted.length / 2)];
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

async function main(): Promise<void> {
  const redis = await PrivateRedis.start();
  const client = new Redis({ port: redis.port, host: "127.0.0.1", enableAutoPipelining: false });
  const store = await createStore({
    logger: silent,
    type: "redis",
    redis: { host: "127.0.0.1", port: redis.port },
    env: {},
    checkServer: false,
    prefix: "bench:",
  });
  try {
    const inv = createInventory(store);
    const items = Array.from({ length: ITEMS }, (_, i) => `{sale-1}:sku-${i}`);
    // Holdfast items, defined with bounded parallelism.
    for (let i = 0; i < ITEMS; i += 500) {
      await Promise.all(items.slice(i, i + 500).map((item) => inv.defineItem(item, { stock: STOCK })));
    }
    const hot = "hot-sku";
    await inv.defineItem(hot, { stock: STOCK });
    // The seed's counters.
    const seedSha = (await client.script("LOAD", SEED_RESERVE_LUA)) as string;
    for (let i = 0; i < ITEMS; i += 1000) {
      const pipe = client.pipeline();
      for (let j = i; j < Math.min(ITEMS, i + 1000); j++) pipe.set(`seed:inventory:sale-${j}`, STOCK);
      await pipe.exec();
    }
    await client.set("seed:inventory:hot", STOCK);

    const ttlSeconds = TTL_MS / 1000;
    const seedReserve = async (counter: string, user: string, sale: string) => {
      const r = await client.evalsha(
        seedSha,
        2,
        counter,
        `seed:reservation:${user}:${sale}`,
        1,
        Date.now(),
        user,
        ttlSeconds,
      );
      if (r !== 1) throw new Error("seed reserve refused");
    };
    const pick = () => Math.floor(Math.random() * ITEMS);

    const scenarios: {
      title: string;
      holdfast: (w: number, i: number) => Promise<unknown>;
      seed: (w: number, i: number) => Promise<unknown>;
    }[] = [
      {
        title: `Holds on one hot item, ${CONCURRENCY} concurrent clients`,
        holdfast: (w, i) => inv.hold(hot, { holder: `u${w}-${i}`, ttlMs: TTL_MS }),
        seed: (w, i) => seedReserve("seed:inventory:hot", `u${w}-${i}`, "hot"),
      },
      {
        title: `Holds spread over ${ITEMS.toLocaleString("en-US")} items, ${CONCURRENCY} concurrent clients`,
        holdfast: (w, i) => inv.hold(items[pick()], { holder: `u${w}-${i}`, ttlMs: TTL_MS }),
        seed: (w, i) => {
          const n = pick();
          return seedReserve(`seed:inventory:sale-${n}`, `u${w}-${i}`, `sale-${n}`);
        },
      },
    ];

    const version =
      (((await client.info("server")).match(/redis_version:(\S+)/) ?? [])[1] as string) || undefined;
    console.log(await environmentLine(version));
    console.log(
      "Figures from a shared, loaded machine are provisional: compare the ratios, not the absolutes.",
    );
    for (const s of scenarios) {
      const runs: Record<string, Measurement[]> = { [SEED_ROW]: [], [HOLDFAST_ROW]: [] };
      for (let round = 0; round < ROUNDS; round++) {
        // Alternate which goes first, so load drift and warm-up do not favour one side.
        const order = round % 2 === 0 ? [SEED_ROW, HOLDFAST_ROW] : [HOLDFAST_ROW, SEED_ROW];
        for (const name of order) {
          const op = name === SEED_ROW ? s.seed : s.holdfast;
          runs[name].push(await measure({ name, concurrency: CONCURRENCY, op }));
        }
      }
      printTable(s.title, [median(runs[SEED_ROW]), median(runs[HOLDFAST_ROW])], SEED_ROW);
      // Rows measured seconds apart on a loaded machine differ by more than the rows do: the ratio
      // to compare is the median of the per-round ratios (each round runs both, back to back).
      const ratios = runs[HOLDFAST_ROW].map((m, r) => m.opsPerSec / runs[SEED_ROW][r].opsPerSec).sort(
        (a, b) => a - b,
      );
      console.log(
        `${HOLDFAST_ROW}: ${ratios[Math.floor(ratios.length / 2)].toFixed(2)}× the seed's holds/s, median of the ${ROUNDS} per-round ratios (${ratios[0].toFixed(2)}–${ratios[ratios.length - 1].toFixed(2)}; target ≥ 0.75)`,
      );
    }
    const check = await inv.get(hot);
    if (check.available + check.held + check.sold !== check.total)
      throw new Error("invariant broken in the benchmark");

    const waitingRoom = new URL("./waiting-room.ts", import.meta.url);
    if (existsSync(waitingRoom)) {
      const mod = (await import(waitingRoom.href)) as {
        runWaitingRoomBench?: (url: string) => Promise<string>;
      };
      if (mod.runWaitingRoomBench) await mod.runWaitingRoomBench(redis.url);
    } else {
      console.log("(bench/waiting-room.ts not present: waiting-room table skipped)");
    }
  } finally {
    await store.close();
    client.disconnect();
    await redis.stop();
  }
}

await main();
