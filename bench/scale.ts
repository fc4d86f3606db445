/**
 * Cost that does not grow with what others left behind (issue 19): after 100,000 holds expired
 * unclaimed (abandoned carts), how long the next hold takes and how long another client waits for
 * Redis meanwhile; the same on the memory store (whose event loop is the one blocked); and a
 * memory-store waiting room of 1,000,000 users against one of 1,000.
 *
 *   npm run bench:scale
 *   SCALE_LEFTOVERS=20000 SCALE_ROOM=100000 npm run bench:scale   # a quicker, smaller run
 *   SCALE_ONLY=room BENCH_ROUNDS=7 npm run bench:scale              # only the waiting-room table
 *
 * Public API only (`holdfast`), as users call it. Two "next hold" rows per store: one where the
 * item still has units (nothing needs reclaiming) and one where every unit sits in the expired
 * holds (the hold must give some back first).
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { createInventory, createStore, createWaitingRoom, type Store } from "holdfast";
import { PrivateRedis } from "./support/redis-server.js";
import { environmentLine } from "./support/harness.js";
import { envInt } from "./support/env.js";

const LEFTOVERS = envInt("SCALE_LEFTOVERS", 100_000, 0);
const ROOM = envInt("SCALE_ROOM", 1_000_000, 1);
const SMALL_ROOM = 1000;
const silent = { debug() {}, info() {}, warn() {}, error() {} };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms: number) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(0));
const rows: string[][] = [];
const row = (...cells: string[]) => rows.push(cells);

/** LEFTOVERS one-unit holds of `ttlMs` on `item`; `tight`: they take every unit the item has. */
async function seed(store: Store, item: string, tight: boolean, ttlMs: number): Promise<void> {
  const inv = createInventory(store);
  await inv.defineItem(item, { stock: tight ? LEFTOVERS : 2 * LEFTOVERS });
  for (let i = 0; i < LEFTOVERS; i += 1000) {
    const n = Math.min(1000, LEFTOVERS - i);
    await Promise.all(
      Array.from({ length: n }, (_, k) => inv.hold(item, { holder: `cart-${i + k}`, ttlMs })),
    );
  }
}

/**
 * Times one hold of `item` (on Redis also the longest command of that time by Redis' own SLOWLOG,
 * which the machine's load does not inflate), and the worst PING another connection sees meanwhile.
 * Without `item`, the same window with no hold: the PING noise of the machine itself.
 */
async function nextHold(
  store: Store,
  item: string | undefined,
  ping?: Redis,
): Promise<{ holdMs: string; worstPingMs: number; serverMs: number }> {
  const inv = createInventory(store);
  let worstPingMs = 0;
  let pinging = ping !== undefined;
  const pinger = (async () => {
    while (pinging && ping) {
      const t = performance.now();
      // A Redis still running a script past its busy threshold answers BUSY: keep asking, the
      // wait lasts until a PONG comes back.
      for (;;) {
        try {
          await ping.ping();
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 1));
        }
      }
      worstPingMs = Math.max(worstPingMs, performance.now() - t);
    }
  })();
  await new Promise((r) => setTimeout(r, 50));
  await ping?.call("SLOWLOG", "RESET");
  worstPingMs = 0;
  // Ten holds, one after another: the first is the one the issue names; the median says what a
  // single noisy sample on a shared machine cannot.
  const times: number[] = [];
  for (let i = 0; item && i < 10; i++) {
    const t0 = performance.now();
    await inv.hold(item, { holder: `next-buyer-${i}`, quantity: 1, ttlMs: 60_000 });
    times.push(performance.now() - t0);
  }
  const holdMs = times.length ? `${fmt(times[0])} / ${fmt(median(times))}` : "";
  await new Promise((r) => setTimeout(r, 20));
  pinging = false;
  await pinger;
  let serverMs = 0;
  if (ping) {
    const log = (await ping.call("SLOWLOG", "GET", "1000")) as [number, number, number, string[]][];
    for (const [, , micros, argv] of log) {
      const command = String(argv[0]).toLowerCase();
      if (command !== "ping" && command !== "slowlog") serverMs = Math.max(serverMs, micros / 1000);
    }
  }
  return { holdMs, worstPingMs, serverMs };
}

const ITEMS = [
  { item: "{scale}:spare", tight: false, what: "units left" },
  { item: "{scale}:tight", tight: true, what: "every unit in expired holds" },
];

/** A memory-store room of `size` users, and a timed round of its three calls. */
async function makeRoom(size: number) {
  const store = await createStore({ type: "memory", env: {}, logger: silent });
  const room = createWaitingRoom(store, { heartbeatTtlMs: 3_600_000 });
  const present: string[] = [];
  for (let i = 0; i < size; i++) {
    await room.join("r", `u${i}`);
    present.push(`u${i}`);
  }
  let seed = 12345;
  let fresh = 0;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  /** µs per call of each: position of random users; a new user joins and a random one leaves. */
  const round = async (ms: number) => {
    let t = performance.now();
    let positions = 0;
    while (performance.now() - t < ms) {
      for (let k = 0; k < 500; k++) await room.position("r", present[rand(present.length)]);
      positions += 500;
    }
    const position = ((performance.now() - t) * 1000) / positions;
    let [joinMs, leaveMs, pairs] = [0, 0, 0];
    t = performance.now();
    while (performance.now() - t < ms) {
      for (let k = 0; k < 500; k++, pairs++) {
        const user = `n${fresh++}`;
        const a = performance.now();
        await room.join("r", user);
        const b = performance.now();
        const i = rand(present.length);
        const gone = present[i];
        present[i] = user;
        await room.leave("r", gone);
        leaveMs += performance.now() - b;
        joinMs += b - a;
      }
    }
    return { join: (joinMs * 1000) / pairs, leave: (leaveMs * 1000) / pairs, position };
  };
  return { round, close: () => store.close() };
}

type RoundFigures = { join: number; leave: number; position: number };

/**
 * A room in a child process of its own, so that the large room's heap (and its garbage collection)
 * does not slow the small one down: each runs in its own process, rounds alternate between them.
 */
function roomProcess(size: number): Promise<{ round: () => Promise<RoundFigures>; close: () => void }> {
  const child = fork(fileURLToPath(import.meta.url), ["--room", String(size)], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let pending: ((m: RoundFigures) => void) | undefined;
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.on("message", (m: RoundFigures | "ready") => {
      if (m === "ready") {
        resolve({
          round: () =>
            new Promise<RoundFigures>((res) => {
              pending = res;
              child.send("round");
            }),
          close: () => child.kill(),
        });
      } else pending?.(m);
    });
  });
}

/** Child process mode (`--room N`): builds the room, then answers each "round" with its figures. */
async function serveRoom(size: number): Promise<void> {
  const room = await makeRoom(size);
  process.on("message", (m) => {
    if (m === "round") void room.round(500).then((r) => process.send?.(r));
  });
  process.on("disconnect", () => void room.close().then(() => process.exit(0)));
  process.send?.("ready");
}

/** Interleaved rounds in both rooms; the median of per-round figures and ratios. */
async function roomTable(): Promise<void> {
  const rounds = envInt("BENCH_ROUNDS", 5, 1);
  const [small, large] = await Promise.all([roomProcess(SMALL_ROOM), roomProcess(ROOM)]);
  try {
    const per: Record<"join" | "leave" | "position", { a: number[]; b: number[]; r: number[] }> = {
      join: { a: [], b: [], r: [] },
      leave: { a: [], b: [], r: [] },
      position: { a: [], b: [], r: [] },
    };
    for (let i = 0; i < rounds; i++) {
      const first = i % 2 === 0;
      const x = first ? await small.round() : await large.round();
      const y = first ? await large.round() : await small.round();
      const [a, b] = first ? [x, y] : [y, x];
      for (const op of ["join", "leave", "position"] as const) {
        per[op].a.push(a[op]);
        per[op].b.push(b[op]);
        per[op].r.push(a[op] / b[op]);
      }
    }
    const n = (v: number) => v.toLocaleString("en-US");
    console.log(
      `\n| memory-store waiting room | µs per call, ${n(SMALL_ROOM)} users | µs per call, ${n(ROOM)} users | rate ratio, median of ${rounds} rounds (lowest–highest) | target |`,
    );
    console.log("|---|---:|---:|---:|---|");
    for (const op of ["join", "leave", "position"] as const) {
      const { a, b, r } = per[op];
      const range = `${Math.min(...r).toFixed(2)}–${Math.max(...r).toFixed(2)}`;
      console.log(
        `| ${op} | ${median(a).toFixed(2)} | ${median(b).toFixed(2)} | ${median(r).toFixed(2)}× (${range}) | ≥ 0.5× |`,
      );
    }
  } finally {
    small.close();
    large.close();
  }
}

async function main(): Promise<void> {
  const redis = await PrivateRedis.start();
  const ping = new Redis({ port: redis.port, host: "127.0.0.1" });
  try {
    const version = ((await ping.info("server")).match(/redis_version:(\S+)/) ?? [])[1];
    console.log(await environmentLine(version));
    console.log(`Leftovers: ${LEFTOVERS.toLocaleString("en-US")} expired holds on one item.\n`);
    if (process.env.SCALE_ONLY === "room") return await roomTable();

    {
      const store = await createStore({
        type: "redis",
        redis: { host: "127.0.0.1", port: redis.port },
        env: {},
        checkServer: false,
        logger: silent,
        prefix: "scale:",
        // A hold that gives back 100,000 expired holds in one script (as before issue 19) takes
        // longer than the default 2 s: wait for it, to measure it.
        commandTimeoutMs: 600_000,
      });
      try {
        // Holds that outlive the seeding (so none is reclaimed meanwhile), then wait them out.
        const ttlMs = envInt("SCALE_TTL_MS", 20_000, 1);
        const started = performance.now();
        for (const { item, tight } of ITEMS) await seed(store, item, tight, ttlMs);
        const seedMs = performance.now() - started;
        if (seedMs > ttlMs) console.log(`(seeding took ${Math.round(seedMs)} ms > ttl: raise SCALE_TTL_MS)`);
        await new Promise((r) => setTimeout(r, ttlMs + 100));
        await ping.call("CONFIG", "SET", "slowlog-log-slower-than", "0");
        await ping.call("CONFIG", "SET", "slowlog-max-len", "1000");
        const idle = await nextHold(store, undefined, ping);
        row("Redis", "no hold (the machine's own PING noise)", "", "", fmt(idle.worstPingMs), "");
        for (const { item, what } of ITEMS) {
          const r = await nextHold(store, item, ping);
          row("Redis", `next hold (${what})`, r.holdMs, fmt(r.serverMs), fmt(r.worstPingMs), "≤ 5 ms each");
        }
      } finally {
        await store.close();
      }
    }
    {
      let clock = Date.now();
      const store = await createStore({ type: "memory", env: {}, logger: silent, clock: () => clock });
      try {
        for (const { item, tight } of ITEMS) await seed(store, item, tight, 1000);
        clock += 1001;
        for (const { item, what } of ITEMS) {
          const r = await nextHold(store, item);
          row("memory", `next hold (${what})`, r.holdMs, "", "(the event loop is blocked as long)", "≤ 5 ms");
        }
      } finally {
        await store.close();
      }
    }
    console.log(
      "| store | after the leftovers | next hold ms (first / median of 10) | longest command on Redis ms (SLOWLOG) | worst PING of another client ms | target |",
    );
    console.log("|---|---|---:|---:|---:|---|");
    for (const r of rows) console.log(`| ${r.join(" | ")} |`);

    await roomTable();
  } finally {
    ping.disconnect();
    await redis.stop();
  }
}

const roomArg = process.argv.indexOf("--room");
if (roomArg > 0) await serveRoom(Number(process.argv[roomArg + 1]));
else await main();
