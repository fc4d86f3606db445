/**
 * Redis CPU instructions per rate-limit check (and per flash-sale hold), counted by valgrind: a figure that does not move with
 * the machine's load, unlike the timings of `bench:limits` (rows measured seconds apart on a shared
 * 2-core VM differ by up to 40%). Use it to compare versions of a script; use `bench:limits` for
 * throughput.
 *
 * For each script, a private redis-server runs under `valgrind --tool=callgrind` twice, once with
 * a short and once with a longer run of EVALSHA calls (50 per pipeline, over 1000 keys, all
 * allowed; holds all on one item, which keeps them); the difference in instructions divided by the difference in calls is the cost of one
 * call, with startup and shutdown cancelled out. Includes reading and parsing the command and
 * writing the reply, as Redis does them for any client.
 *
 *   npm run bench:script-cost            # needs valgrind (apt-get install -y valgrind); ~2 minutes
 *   SCRIPT_COST_CALLS=20000 npm run bench:script-cost
 *   SCRIPT_COST_GROUP="waiting room" npm run bench:script-cost   # one group: rate limits, flash sale, waiting room, locks
 *
 * The locks group counts whole cycles (acquire then release of one of 1,000 keys, a "call" of two
 * commands), as bench:http's lock rows run them: Holdfast's acquire-3 and release-2 against the
 * seed's `SET NX PX` and compare-and-delete EVALSHA.
 */
import { spawn, spawnSync } from "node:child_process";
import { Redis } from "ioredis";
import { createInventory, createLocks, createRateLimiter, createWaitingRoom, type LimitSpec } from "holdfast";
import { capturedScript } from "./support/script-capture.js";
import { SEED_RESERVE_LUA } from "./support/seed-scripts.js";
import { freePort } from "./support/redis-server.js";
import { envInt } from "./support/env.js";

const QUOTA = 1_000_000_000;
const SHORT = 2000;
const LONG = envInt("SCRIPT_COST_CALLS", 12000, 1);
const PIPELINE = 50;

interface Subject {
  name: string;
  group: Group;
  /** The row the others of its group are compared with. */
  baseline?: boolean;
  lua: string;
  /** KEYS and ARGV of call `i` (default: one of 1000 keys, the same `args` every time). */
  call?: (i: number) => { keys: string[]; args: (string | number)[] };
  args?: (string | number)[];
  /** A plain command sent instead of EVALSHA (`lua` is then unused): for rows that show a floor. */
  command?: (i: number) => (string | number)[];
  /** How many public calls one script run answers (a batch): the figure printed is per public call. */
  callsPerRun?: number;
  /** Commands run once before the calls (not counted: they run in both the short and long run). */
  setup?: (string | number)[][];
  /**
   * Several commands per call, in order on one connection (`sha` gives the SHA1 of one of
   * `scripts`, loaded beforehand): for a lock cycle, an acquire then its release.
   */
  cycle?: (i: number, sha: (lua: string) => string) => (string | number)[][];
  /** Scripts `cycle` sends by EVALSHA. */
  scripts?: string[];
}

const GROUPS = ["rate limits", "flash sale", "waiting room", "locks"] as const;
type Group = (typeof GROUPS)[number];

/** Holdfast's scripts, as the public calls run them (see support/script-capture.ts). */
const HOLD = await capturedScript(
  (s) => createInventory(s).hold("hot", { holder: "u0" }),
  (s) => createInventory(s).defineItem("hot", { stock: 1 }),
);
const POSITION = await capturedScript(
  (s) => createWaitingRoom(s).position("r", "u0"),
  (s) => createWaitingRoom(s).join("r", "u0"),
);
/** `position` calls made on one room in the same tick are answered by one script run. */
const POSITION_BATCH = 16;
const POSITIONS = await capturedScript(
  (s) => {
    const room = createWaitingRoom(s);
    return Promise.all(Array.from({ length: POSITION_BATCH }, (_, i) => room.position("r", `u${i}`)));
  },
  async (s) => {
    const room = createWaitingRoom(s);
    for (let i = 0; i < POSITION_BATCH; i++) await room.join("r", `u${i}`);
  },
);

const holdfast = async (name: string, specs: LimitSpec[]): Promise<Subject> => {
  const { lua, args } = await capturedScript((s) =>
    createRateLimiter(s, { name: "cost", limits: specs }).consume("x"),
  );
  return { name, group: "rate limits", lua, args: args as (string | number)[] };
};

const SUBJECTS: Subject[] = [
  {
    name: "an empty script (EVALSHA itself)",
    group: "rate limits",
    lua: "return {1, 2}",
    args: [1, 0, QUOTA, 1_000_000, "f"],
  },
  {
    // rate-limiter-flexible 11's own script (RateLimiterRedis), as its users run it.
    name: "rate-limiter-flexible RateLimiterRedis",
    group: "rate limits",
    baseline: true,
    lua: `redis.call('set', KEYS[1], 0, 'EX', ARGV[2], 'NX')
local consumed = redis.call('incrby', KEYS[1], ARGV[1])
local ttl = redis.call('pttl', KEYS[1])
if ttl == -1 then redis.call('expire', KEYS[1], ARGV[2]) ttl = 1000 * ARGV[2] end
return {consumed, ttl}`,
    args: ["1", "60", String(QUOTA), "60"],
  },
  await holdfast("holdfast fixed-window", [{ algorithm: "fixed-window", limit: QUOTA, windowMs: 60_000 }]),
  await holdfast("holdfast sliding-window", [
    { algorithm: "sliding-window", limit: QUOTA, windowMs: 60_000 },
  ]),
  await holdfast("holdfast token-bucket", [
    { algorithm: "token-bucket", burst: QUOTA, ratePerSec: 1_000_000 },
  ]),
  await holdfast("holdfast gcra", [{ algorithm: "gcra", burst: QUOTA, ratePerSec: 1_000_000 }]),
  await holdfast("holdfast 2 limits (gcra + fixed-window)", [
    { name: "per-second", algorithm: "gcra", burst: QUOTA, ratePerSec: 1_000_000 },
    { name: "per-minute", algorithm: "fixed-window", limit: QUOTA, windowMs: 60_000 },
  ]),
  {
    // One hot item: holds accumulate (5-minute TTL), as in bench:flashsale.
    name: "the seed's reserve (never returns expired stock)",
    group: "flash sale",
    baseline: true,
    lua: SEED_RESERVE_LUA,
    setup: [["SET", "seed:{hot}", QUOTA]],
    call: (i) => ({ keys: ["seed:{hot}", `seed:{hot}:r:u${i}`], args: [1, 1_795_000_000_000, `u${i}`, 300] }),
  },
  {
    name: "holdfast hold() on one item",
    group: "flash sale",
    lua: HOLD.lua,
    setup: [["HSET", "inv:{hot}", "total", QUOTA, "held", 0, "sold", 0, "max", 0, "limit", 0]],
    call: (i) => ({
      keys: ["inv:{hot}", "inv:{hot}:e"],
      args: [`h${i}`, `u${i}`, 300_000, "", 86_400_000, 100, 1],
    }),
  },
  ...roomSubjects(),
  ...(await lockSubjects()),
];

/** A lock cycle on one of 1,000 keys: Holdfast's scripts, and the seed's two commands by hand. */
async function lockSubjects(): Promise<Subject[]> {
  const NAME = "the-key";
  const ACQUIRE = await capturedScript((s) => createLocks(s).acquire(NAME, { ttlMs: 30_000 }));
  const RELEASE = await capturedScript(async (s) => {
    const locks = createLocks(s);
    await locks.release(await locks.acquire(NAME, { ttlMs: 30_000 }));
  });
  const token = String(ACQUIRE.args[0]);
  const on = (keys: string[], i: number) => keys.map((k) => k.replaceAll(NAME, `u${i % 1000}`));
  const tokenOf = (i: number) => `${token.slice(0, -8)}${String(i).padStart(8, "0")}`;
  const evalsha = (sha: string, keys: string[], args: (string | number)[]) => [
    "EVALSHA",
    sha,
    keys.length,
    ...keys,
    ...args,
  ];
  const SEED_RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
  return [
    {
      name: "the seed's SET NX PX + compare-and-delete EVALSHA",
      group: "locks",
      baseline: true,
      lua: "return 0",
      scripts: [SEED_RELEASE],
      cycle: (i, sha) => [
        ["SET", `booking_lock:{u${i % 1000}}`, tokenOf(i), "PX", 30_000, "NX"],
        evalsha(sha(SEED_RELEASE), [`booking_lock:{u${i % 1000}}`], [tokenOf(i)]),
      ],
    },
    {
      name: "holdfast acquire-3 + release-2 (fencing token, server clock)",
      group: "locks",
      lua: "return 0",
      scripts: [ACQUIRE.lua, RELEASE.lua],
      cycle: (i, sha) => [
        evalsha(sha(ACQUIRE.lua), on(ACQUIRE.keys, i), [
          tokenOf(i),
          ...(ACQUIRE.args.slice(1) as (string | number)[]),
        ]),
        evalsha(sha(RELEASE.lua), on(RELEASE.keys, i), [
          tokenOf(i),
          ...(RELEASE.args.slice(1) as (string | number)[]),
        ]),
      ],
    },
  ];
}

/** A room of 1,000 queued users (heartbeats far ahead), and position / isAdmitted of one of them. */
function roomSubjects(): Subject[] {
  const users = Array.from({ length: 1000 }, (_, i) => `u${i}`);
  const setup = [
    ["ZADD", "wr:{r}:q", ...users.flatMap((u, i) => [i + 1, u])],
    ["ZADD", "wr:{r}:h", ...users.flatMap((u) => [4_000_000_000_000, u])],
    ["SET", "wr:{r}:s", 1000],
  ];
  const keys = ["wr:{r}:q", "wr:{r}:h", "wr:{r}:a", "wr:{r}:s"];
  // The arguments after the user, as the public calls send them (see waiting-room.ts):
  // position() adds the heartbeat TTL to the reclaim limit, isAdmitted() sends the limit alone.
  const raw = (name: string, base: boolean, rest: number[]): Subject => ({
    name,
    group: "waiting room",
    baseline: base,
    lua: base ? "return redis.call('ZRANK', KEYS[1], ARGV[1])" : POSITION.lua,
    setup,
    call: (i) => ({ keys: base ? keys.slice(0, 1) : keys, args: [users[i % 1000], ...rest] }),
  });
  return [
    {
      name: "ZRANK sent bare (no script)",
      group: "waiting room",
      lua: "return 0",
      setup,
      command: (i) => ["ZRANK", "wr:{r}:q", users[i % 1000]],
    },
    // The baseline keeps the three extra arguments it has always been sent (2,000 to 4,000
    // instructions of the script's set-up), so its figure compares with earlier sessions'.
    raw("ZRANK in a script (the seed sends it bare)", true, [30_000, 100, 0]),
    {
      // What any `position` that refreshes a heartbeat on the server's clock and answers the
      // room's length must run, with nothing else: no reclaim of users who stopped polling and no
      // TTL upkeep of the room's keys. A floor to read position() against, not a usable script.
      name: "position's bare essentials (TIME, ZRANK, heartbeat ZADD, ZCARD)",
      group: "waiting room",
      lua: `local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local rank = redis.call('ZRANK', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], string.format('%d', now + ARGV[3]), ARGV[1])
return rank * 67108864 + redis.call('ZCARD', KEYS[1])`,
      setup,
      call: (i) => ({ keys, args: [users[i % 1000], 100, 30_000] }),
    },
    raw("holdfast position() (refreshes the heartbeat)", false, [100, 30_000]),
    {
      name: `holdfast position(), ${POSITION_BATCH} calls in one tick (one script run), per call`,
      group: "waiting room",
      lua: POSITIONS.lua,
      setup,
      callsPerRun: POSITION_BATCH,
      call: (i) => ({
        keys,
        args: [
          ...POSITIONS.args.slice(0, 2),
          ...Array.from({ length: POSITION_BATCH }, (_, j) => users[(i * POSITION_BATCH + j) % 1000]),
        ],
      }),
    },
    raw("holdfast isAdmitted()", false, [100]),
  ];
}

/** Instructions a redis-server under callgrind executes in its whole life, given `calls` calls. */
async function instructions(subject: Subject, calls: number): Promise<number> {
  const port = await freePort();
  const server = spawn(
    "valgrind",
    ["--tool=callgrind", "--callgrind-out-file=/dev/null", "redis-server", "--port", String(port)].concat([
      "--save",
      "",
      "--appendonly",
      "no",
      "--hz",
      "1",
    ]),
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  server.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => server.on("exit", () => resolve()));
  // valgrind takes seconds to start the server; wait for it to answer before connecting.
  for (let i = 0; ; i++) {
    const ping = spawnSync("redis-cli", ["-p", String(port), "ping"], { encoding: "utf8" });
    if (ping.stdout.includes("PONG")) break;
    if (i > 200) throw new Error(`redis-server under valgrind did not start: ${stderr.slice(-500)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const client = new Redis({ port, host: "127.0.0.1", retryStrategy: () => null });
  client.on("error", () => {});
  const sha = (await client.script("LOAD", subject.lua)) as string;
  const shas = new Map<string, string>();
  for (const lua of subject.scripts ?? []) shas.set(lua, (await client.script("LOAD", lua)) as string);
  for (const [command, ...args] of subject.setup ?? []) await client.call(String(command), ...args);
  const call = subject.call ?? ((i: number) => ({ keys: [`k:{u${i % 1000}}`], args: subject.args ?? [] }));
  for (let i = 0; i < calls; i += PIPELINE) {
    const pipeline = client.pipeline();
    for (let j = 0; j < PIPELINE; j++) {
      if (subject.cycle) {
        for (const [name, ...args] of subject.cycle(i + j, (lua) => shas.get(lua)!))
          pipeline.call(String(name), ...args);
        continue;
      }
      if (subject.command) {
        const [name, ...args] = subject.command(i + j);
        pipeline.call(String(name), ...args);
        continue;
      }
      const { keys, args } = call(i + j);
      pipeline.evalsha(sha, keys.length, ...keys, ...args);
    }
    for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error;
  }
  await client.call("SHUTDOWN", "NOSAVE").catch(() => {});
  client.disconnect();
  await exited;
  const collected = /Collected : (\d+)/.exec(stderr);
  if (!collected) throw new Error(`no instruction count from valgrind: ${stderr.slice(-500)}`);
  return Number(collected[1]);
}

async function main(): Promise<void> {
  if (spawnSync("valgrind", ["--version"]).error) {
    console.error("valgrind is not installed: apt-get install -y valgrind");
    process.exitCode = 1;
    return;
  }
  const rows: { subject: Subject; perCall: number }[] = [];
  const only = process.env.SCRIPT_COST_GROUP;
  for (const subject of SUBJECTS.filter((x) => !only || x.group === only)) {
    process.stderr.write(`counting ${subject.name}…\n`);
    const [short, long] = [await instructions(subject, SHORT), await instructions(subject, LONG)];
    rows.push({ subject, perCall: (long - short) / (LONG - SHORT) / (subject.callsPerRun ?? 1) });
  }
  for (const group of GROUPS) {
    const mine = rows.filter((r) => r.subject.group === group);
    if (mine.length === 0) continue;
    const base = mine.find((r) => r.subject.baseline)!;
    console.log(`\n### Redis instructions per call: ${group} (valgrind)\n`);
    console.log(`| script | instructions per call | vs ${base.subject.name} |`);
    console.log("|---|---:|---:|");
    for (const r of mine) {
      const per = Math.round(r.perCall).toLocaleString("en-US");
      console.log(`| ${r.subject.name} | ${per} | ${(r.perCall / base.perCall).toFixed(2)}× |`);
    }
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
