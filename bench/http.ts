/**
 * The HTTP path against what a user would run instead, for seed 004's lock routes, in one run:
 *
 *   - `holdfast serve` (`/v1/locks/:key/acquire` + `/release`),
 *   - seed 004's app on Holdfast (examples/appointment-locks: `/api/locks/acquire` + `/release`,
 *     whose acquire also refuses a booked slot: its lock was closed at booking),
 *   - the seed's approach by hand on Express 5 + ioredis (SET NX PX with a random lockId, a Lua
 *     compare-and-delete on release; bench/support/lock-peers/express-locks.ts),
 *   - the same on a bare Fastify + ioredis (Fastify's own cost, without Holdfast's;
 *     bench/support/lock-peers/fastify-locks.ts),
 *   - a bare node:http + ioredis server doing the same two commands (the floor of a Node HTTP lock
 *     service; bench/support/lock-peers/bare-locks.ts),
 *   - the same bare node:http server calling the public `holdfast` library's acquire and release
 *     instead (every guarantee of Holdfast's lock scripts, none of Fastify's or serve's HTTP layer:
 *     the ceiling of a hand-written fast path inside serve; bench/support/lock-peers/holdfast-locks.ts),
 *
 * each in its own process, on the same private Redis, driven by autocannon from this process (50
 * keep-alive connections, each doing acquire + release cycles on its own key). Rounds interleave
 * the servers (the order rotates each round); ratios are the median of the per-round ratios. Also
 * the library's own lock cycle and rate-limit checks over HTTP vs the library, for reference.
 *
 *   npm run bench:http                                # 5 s per row, 3 rounds
 *   BENCH_DURATION_MS=2000 BENCH_ROUNDS=1 npm run bench:http   # quick check
 *   BENCH_CPU_PROF=.tmp/prof BENCH_SERVERS=0 npm run bench:http  # CPU profiles (--cpu-prof) of the
 *       servers, only holdfast serve (0) or the seed-004 app (1) beside the two peers;
 *       BENCH_LOCKS_ONLY=1 leaves out the rate-limit rows (a profile of lock cycles only)
 *   BENCH_BASELINE_DIR=/tmp/base npm run bench:http   # A/B in one run: also holdfast serve and the
 *       seed-004 app from another checkout (its dist/ built, its node_modules linked), with
 *       each one's ratio to its baseline per round
 *   BENCH_LIGHT_CONNECTIONS=0 npm run bench:http       # leave out the light-load pass (default 1
 *       connection: each request's own latency, with nothing queued)
 *   BENCH_REDIS_CPU=1 taskset -c 0 npm run bench:http   # Redis on a core of its own (the servers and
 *       autocannon on the other), as a deployment with Redis on another host runs: Redis's CPU per
 *       cycle no longer comes out of the servers' throughput
 *
 * Holdfast's servers run in open loopback mode (no API keys) with HOLDFAST_LOG_LEVEL=warn (the
 * hand-written peers log nothing). Any non-2xx response fails the bench: a figure made of 400s or
 * 409s would measure the wrong thing. Server CPU per cycle is read from /proc/<pid>/stat; Redis CPU
 * and commands per cycle from `INFO cpu` and `INFO stats` deltas around each row (Redis shares the
 * machine's cores, so what it spends per cycle is taken from the servers and autocannon too), and
 * this process's own (autocannon's) CPU per cycle from process.cpuUsage.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
// @ts-expect-error autocannon 8 ships no type declarations.
import autocannonModule from "autocannon";
import { Redis } from "ioredis";
import { createLocks, createRateLimiter, createStore, type LimitSpec } from "holdfast";
import { environmentLine, measure, redisCpuSampler } from "./support/harness.js";
import { PrivateRedis, freePort } from "./support/redis-server.js";
import { envInt } from "./support/env.js";

const CONCURRENCY = 50;
/**
 * Connections of the light-load pass: one, so nothing queues and a request's latency is its own
 * cost (plumbing, library, Redis round trips); with 4 the floor already kept 1.5 of the 2 cores
 * busy. At 50 connections every server is saturated, and by Little's law a closed loop's latency
 * is then connections ÷ throughput: its p99 follows its cycles/s.
 */
const LIGHT_CONNECTIONS = envInt("BENCH_LIGHT_CONNECTIONS", 1, 0);
const DURATION_MS = envInt("BENCH_DURATION_MS", 5000, 1);
const ROUNDS = envInt("BENCH_ROUNDS", 3, 1);
const WARMUP_MS = 1000;
const TTL_MS = 30_000;
/** Rate-limit checks are spread over this many keys; the limit is so large every check passes. */
const KEYS = 1000;
const GCRA: LimitSpec = { algorithm: "gcra", burst: 1_000_000, ratePerSec: 1_000_000 };
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const JSON_HEADERS = { "content-type": "application/json" };
/** Clock ticks per second of /proc/<pid>/stat's utime and stime. */
const CLK_TCK = Number(spawnSync("getconf", ["CLK_TCK"]).stdout?.toString().trim() || 100);

/** The part of autocannon 8's programmatic API this bench uses (see its README). */
interface CannonRequest {
  method: "POST";
  path: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (req: CannonRequest, context: Record<string, unknown>) => CannonRequest | undefined;
  onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
}
interface CannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  "2xx": number;
  latency: { p50: number; p99: number };
}
type Autocannon = (opts: {
  url: string;
  connections: number;
  duration: number;
  requests: CannonRequest[];
  setupClient?: (client: { setRequests(requests: CannonRequest[]): void }) => void;
}) => Promise<CannonResult>;
const autocannon = autocannonModule as Autocannon;

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Latencies recorded by hand (performance.now() deltas, ms) while `on` is set. */
class Samples {
  on = false;
  private data = new Float64Array(1 << 16);
  private n = 0;
  add(ms: number): void {
    if (!this.on) return;
    if (this.n === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.n++] = ms;
  }
  percentiles(): { p50: number; p99: number } {
    const sorted = this.data.slice(0, this.n).sort();
    return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
  }
}

/** A lock server under test: how to start it, and its acquire/release requests for one key. */
interface LockServer {
  name: string;
  /** Which of Holdfast's servers (0 serve, 1 the seed-004 app) for BENCH_SERVERS; peers have none. */
  holdfast?: number;
  /** Where it runs from. @defaultValue this checkout */
  cwd?: string;
  /** Node arguments (a .ts entry point runs with `--import tsx`). */
  argv: string[];
  env: Record<string, string>;
  readyPath: string;
  acquire(key: string): { path: string; body: string };
  release(key: string, lockId: string): { path: string; body: string };
}

interface Running {
  server: LockServer;
  url: string;
  proc: ChildProcess;
  output: () => string;
}

/** One measured run of one server. */
interface LockRun {
  cyclesPerSec: number;
  requestP50Ms: number;
  requestP99Ms: number;
  cycleP99Ms: number;
  /** Server process CPU (user + system) per cycle, µs. */
  serverCpuUsPerCycle: number;
  /** This process's CPU (autocannon and the bench's callbacks) per cycle, µs. */
  clientCpuUsPerCycle: number;
  /** Redis CPU (`INFO cpu`, user + system) per cycle, µs: on this machine it is taken from the rest. */
  redisCpuUsPerCycle: number;
  /** Redis commands per cycle (`INFO stats` total_commands_processed: a script and each command it calls count). */
  redisCommandsPerCycle: number;
}

/** What Redis spent while a row ran: its CPU (µs) and commands processed, cumulative. */
interface RedisMeter {
  cpuUs(): Promise<number>;
  commands(): Promise<number>;
}

function redisMeter(client: Redis): RedisMeter {
  return {
    cpuUs: redisCpuSampler(client),
    commands: async () =>
      Number(/total_commands_processed:(\d+)/.exec(await client.info("stats"))?.[1] ?? NaN),
  };
}

function seedBody(key: string) {
  return { tenantId: "bench", resourceId: key, date: "2026-12-06", startTime: "14:00", duration: 60 };
}

const EXPRESS = "Express + ioredis by hand";
const BARE = "bare node:http + ioredis";
const FASTIFY = "bare Fastify + ioredis";
const BARE_HOLDFAST = "bare node:http + holdfast library";
const BASELINE = " (baseline)";

function lockServers(redisPort: number): LockServer[] {
  const redisEnv = { REDIS_HOST: "127.0.0.1", REDIS_PORT: String(redisPort) };
  const seedRoutes = {
    readyPath: "/api/locks/health",
    acquire: (key: string) => ({ path: "/api/locks/acquire", body: JSON.stringify(seedBody(key)) }),
    release: (key: string, lockId: string) => ({
      path: "/api/locks/release",
      body: JSON.stringify({ ...seedBody(key), lockId }),
    }),
  };
  const holdfast: LockServer[] = [
    {
      name: "holdfast serve",
      holdfast: 0,
      argv: ["bin/holdfast.js", "serve"],
      env: { REDIS_URL: `redis://127.0.0.1:${redisPort}`, HOLDFAST_LOG_LEVEL: "warn" },
      readyPath: "/readyz",
      acquire: (key) => ({ path: `/v1/locks/${key}/acquire`, body: JSON.stringify({ ttlMs: TTL_MS }) }),
      release: (key, lockId) => ({
        path: `/v1/locks/${key}/release`,
        body: JSON.stringify({ token: lockId }),
      }),
    },
    {
      name: "seed-004 app (Holdfast)",
      holdfast: 1,
      argv: ["--import", "tsx", "examples/appointment-locks/server.ts"],
      env: { ...redisEnv, HOLDFAST_LOG_LEVEL: "warn", LOCK_TTL: String(TTL_MS) },
      ...seedRoutes,
    },
  ];
  const baseline = process.env.BENCH_BASELINE_DIR;
  return [
    ...holdfast.flatMap((h) => (baseline ? [h, { ...h, name: h.name + BASELINE, cwd: baseline }] : [h])),
    {
      name: EXPRESS,
      argv: ["--import", "tsx", "bench/support/lock-peers/express-locks.ts"],
      env: { ...redisEnv, LOCK_TTL: String(TTL_MS) },
      ...seedRoutes,
    },
    {
      name: FASTIFY,
      argv: ["--import", "tsx", "bench/support/lock-peers/fastify-locks.ts"],
      env: { ...redisEnv, LOCK_TTL: String(TTL_MS) },
      ...seedRoutes,
    },
    {
      name: BARE,
      argv: ["--import", "tsx", "bench/support/lock-peers/bare-locks.ts"],
      env: { ...redisEnv, LOCK_TTL: String(TTL_MS) },
      ...seedRoutes,
    },
    {
      name: BARE_HOLDFAST,
      argv: ["--import", "tsx", "bench/support/lock-peers/holdfast-locks.ts"],
      env: {
        ...redisEnv,
        LOCK_TTL: String(TTL_MS),
        HOLDFAST_LOG_LEVEL: "warn",
        // "holdfast" from dist/, as serve runs it (the root tsconfig's paths would give tsx src/).
        TSX_TSCONFIG_PATH: "bench/support/lock-peers/tsconfig.dist.json",
      },
      ...seedRoutes,
    },
  ];
}

/** Starts `server` as a child process on a free port; resolves once its ready path answers 200. */
async function startServer(server: LockServer): Promise<Running> {
  const port = await freePort();
  const profile = process.env.BENCH_CPU_PROF
    ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
    : [];
  const proc = spawn(process.execPath, [...profile, ...server.argv], {
    cwd: server.cwd ?? ROOT,
    env: { ...process.env, ...server.env, PORT: String(port), HOST: "127.0.0.1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-8000);
  };
  proc.stdout!.on("data", keep);
  proc.stderr!.on("data", keep);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null)
      throw new Error(`${server.name} exited (${proc.exitCode ?? proc.signalCode}) before ready:\n${log}`);
    try {
      const res = await fetch(`${url}${server.readyPath}`);
      if (res.status === 200) return { server, url, proc, output: () => log };
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill("SIGKILL");
  throw new Error(`${server.name} was not ready within 60 s:\n${log}`);
}

/** SIGTERM (graceful drain), then SIGKILL if it has not exited within 5 s. */
async function stopServer(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once("exit", r));
  proc.kill("SIGTERM");
  const timer = setTimeout(() => proc.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

/** A process's cumulative CPU time (user + system) in µs, from /proc/<pid>/stat. */
function processCpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) / CLK_TCK) * 1e6;
}

/** Fails the bench on any non-2xx, error or timeout: such figures would not measure the operation. */
function checkClean(what: string, r: CannonResult, log: () => string): void {
  if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0)
    throw new Error(
      `${what}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts out of ${r["2xx"] + r.non2xx}; server output:\n${log()}`,
    );
}

let lockRuns = 0;

/** Lock cycles over HTTP: each connection acquires then releases its own key, carrying the lockId. */
async function lockCycles(
  running: Running,
  durationMs: number,
  redis: RedisMeter,
  connections = CONCURRENCY,
): Promise<LockRun> {
  const { server } = running;
  const cycles = new Samples();
  const requests = new Samples();
  cycles.on = requests.on = true;
  let released = 0;
  let nextConnection = 0;
  // Fresh keys per run: a run that stops mid-cycle leaves locks held until their TTL.
  const run = ++lockRuns;
  const statuses = new Map<number, number>();
  const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
  const requestsFor = (key: string): CannonRequest[] => {
    const acquire = server.acquire(key);
    return [
      {
        method: "POST",
        path: acquire.path,
        headers: JSON_HEADERS,
        body: acquire.body,
        setupRequest: (req, context) => {
          context.t0 = context.sent = performance.now();
          return req;
        },
        onResponse: (status, body, context) => {
          count(status);
          const now = performance.now();
          requests.add(now - (context.sent as number));
          if (status === 200) context.lockId = (JSON.parse(body) as { lockId: string }).lockId;
        },
      },
      {
        method: "POST",
        path: server.release(key, "").path,
        headers: JSON_HEADERS,
        // No lockId (acquire failed): returning undefined restarts the connection at acquire.
        setupRequest: (req, context) => {
          if (typeof context.lockId !== "string") return undefined;
          context.sent = performance.now();
          return { ...req, body: server.release(key, context.lockId).body };
        },
        onResponse: (status, _body, context) => {
          count(status);
          const now = performance.now();
          requests.add(now - (context.sent as number));
          context.lockId = undefined;
          if (status !== 200) return;
          released++;
          cycles.add(now - (context.t0 as number));
        },
      },
    ];
  };
  const cpu0 = processCpuUs(running.proc.pid!);
  const [redisCpu0, commands0] = [await redis.cpuUs(), await redis.commands()];
  const client0 = process.cpuUsage();
  const r = await autocannon({
    url: running.url,
    connections,
    duration: durationMs / 1000,
    requests: requestsFor("placeholder"),
    setupClient: (client) => client.setRequests(requestsFor(`http-${run}-${nextConnection++}`)),
  });
  const cpu = processCpuUs(running.proc.pid!) - cpu0;
  const client = process.cpuUsage(client0);
  // The meter's own two INFO calls per sample are left in: a few commands in tens of thousands.
  const [redisCpu, commands] = [(await redis.cpuUs()) - redisCpu0, (await redis.commands()) - commands0];
  checkClean(`${server.name} lock cycles (statuses ${JSON.stringify([...statuses])})`, r, running.output);
  const req = requests.percentiles();
  return {
    cyclesPerSec: released / r.duration,
    requestP50Ms: req.p50,
    requestP99Ms: req.p99,
    cycleP99Ms: cycles.percentiles().p99,
    serverCpuUsPerCycle: cpu / Math.max(1, released),
    clientCpuUsPerCycle: (client.user + client.system) / Math.max(1, released),
    redisCpuUsPerCycle: redisCpu / Math.max(1, released),
    redisCommandsPerCycle: commands / Math.max(1, released),
  };
}

/** Rate-limit checks over HTTP, keys spread over KEYS values. */
async function httpRateLimitChecks(running: Running, durationMs: number): Promise<CannonResult> {
  const bodies = Array.from({ length: KEYS }, (_, i) => JSON.stringify({ key: `user-${i}`, limits: [GCRA] }));
  let i = 0;
  const r = await autocannon({
    url: running.url,
    connections: CONCURRENCY,
    duration: durationMs / 1000,
    requests: [
      {
        method: "POST",
        path: "/v1/ratelimits/bench-http/check",
        headers: JSON_HEADERS,
        body: bodies[0],
        setupRequest: (req) => ({ ...req, body: bodies[i++ % KEYS] }),
      },
    ],
  });
  checkClean("HTTP rate-limit checks", r, running.output);
  return r;
}

const fmt = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(1));
const int = (n: number) => Math.round(n).toLocaleString("en-US");

function printLockTable(servers: LockServer[], runs: Map<string, LockRun[]>, library: number[]): void {
  const express = runs.get(EXPRESS)!;
  const bare = runs.get(BARE)!;
  const lines = [
    `### Seed 004's lock cycle (acquire + release) over HTTP, ${CONCURRENCY} keep-alive connections, median of ${ROUNDS} round(s)`,
    "",
    "| server | cycles/s | p50 ms / request | p99 ms / request | p99 ms / cycle | server CPU µs / cycle | Redis CPU µs / cycle | client CPU µs / cycle | Redis commands / cycle | × Express by hand | × bare node:http | p99 ÷ bare's |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const s of servers) {
    const rs = runs.get(s.name)!;
    const ratio = (peer: LockRun[], f: (r: LockRun) => number) => median(rs.map((r, i) => f(r) / f(peer[i])));
    lines.push(
      `| ${s.name} | ${int(median(rs.map((r) => r.cyclesPerSec)))} | ${fmt(median(rs.map((r) => r.requestP50Ms)))} | ${fmt(median(rs.map((r) => r.requestP99Ms)))} | ${fmt(median(rs.map((r) => r.cycleP99Ms)))} | ${int(median(rs.map((r) => r.serverCpuUsPerCycle)))} | ${fmt(median(rs.map((r) => r.redisCpuUsPerCycle)))} | ${fmt(median(rs.map((r) => r.clientCpuUsPerCycle)))} | ${fmt(median(rs.map((r) => r.redisCommandsPerCycle)))} | ${ratio(express, (r) => r.cyclesPerSec).toFixed(2)}× | ${ratio(bare, (r) => r.cyclesPerSec).toFixed(2)}× | ${ratio(bare, (r) => r.requestP99Ms).toFixed(2)}× |`,
    );
  }
  lines.push(
    `| library, in process (no HTTP) | ${int(median(library))} | – | – | – | – | – | – | – | – | – |`,
  );
  console.log(`\n${lines.join("\n")}\n`);
  console.log(
    "Ratios are medians of the per-round ratios (each round runs every server once, in a rotated order). " +
      "Latencies are timed by hand per request (send → response) and per cycle (acquire sent → release answered).",
  );
  for (const s of servers) {
    const base = runs.get(s.name + BASELINE);
    if (!base) continue;
    const rs = runs.get(s.name)!;
    const r = (f: (x: LockRun) => number) => rs.map((x, i) => f(x) / f(base[i]));
    const show = (xs: number[]) =>
      `${median(xs).toFixed(3)} (rounds ${xs.map((x) => x.toFixed(3)).join(", ")})`;
    console.log(
      `  ${s.name} ÷ its baseline: cycles/s ${show(r((x) => x.cyclesPerSec))}; server CPU/cycle ${show(r((x) => x.serverCpuUsPerCycle))}; Redis CPU/cycle ${show(r((x) => x.redisCpuUsPerCycle))}; p99/request ${show(r((x) => x.requestP99Ms))}`,
    );
  }
  for (const s of servers) {
    const rs = runs.get(s.name)!;
    console.log(
      `  ${s.name}: cycles/s per round ${rs.map((r) => int(r.cyclesPerSec)).join(", ")}; × bare node:http per round ${rs.map((r, i) => (r.cyclesPerSec / bare[i].cyclesPerSec).toFixed(2)).join(", ")}`,
    );
  }
  printGapToFloor(servers, runs);
}

/**
 * The light-load pass: what one request costs each server when nothing queues. Its p99 ÷ the
 * floor's is the latency a user sees below saturation; the saturated table's p99 ratio mostly
 * repeats its cycles/s ratio (Little's law).
 */
function printLightTable(servers: LockServer[], runs: Map<string, LockRun[]>): void {
  const bare = runs.get(BARE)!;
  const lines = [
    `### The same lock cycle under light load: ${LIGHT_CONNECTIONS} keep-alive connection(s), nothing saturated, median of ${ROUNDS} round(s)`,
    "",
    "| server | cycles/s | p50 ms / request | p99 ms / request | p99 ms / cycle | server CPU µs / cycle | p50 ÷ bare's | p99 ÷ bare's |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const s of servers) {
    const rs = runs.get(s.name)!;
    const ratio = (f: (r: LockRun) => number) => median(rs.map((r, i) => f(r) / f(bare[i]))).toFixed(2);
    const mid = (f: (r: LockRun) => number) => median(rs.map(f));
    lines.push(
      `| ${s.name} | ${int(mid((r) => r.cyclesPerSec))} | ${fmt(mid((r) => r.requestP50Ms))} | ${fmt(mid((r) => r.requestP99Ms))} | ${fmt(mid((r) => r.cycleP99Ms))} | ${int(mid((r) => r.serverCpuUsPerCycle))} | ${ratio((r) => r.requestP50Ms)}× | ${ratio((r) => r.requestP99Ms)}× |`,
    );
  }
  console.log(`\n${lines.join("\n")}\n`);
  for (const s of servers) {
    const rs = runs.get(s.name)!;
    console.log(
      `  ${s.name}: p99 ms / request per round ${rs.map((r) => fmt(r.requestP99Ms)).join(", ")}; ÷ bare's per round ${rs.map((r, i) => (r.requestP99Ms / bare[i].requestP99Ms).toFixed(2)).join(", ")}`,
    );
  }
}

/**
 * Where each Holdfast server's cost over the floor goes, per cycle (medians of per-round
 * differences, µs): its HTTP layer (its server CPU over the node:http + holdfast library peer's, which
 * runs the same library calls with the floor's plumbing), the library's client side (that peer's
 * server CPU over the floor's) and Redis (that peer's Redis CPU over the floor's: the lock scripts;
 * and the server's over that peer's, which should be about 0 for the same scripts).
 */
function printGapToFloor(servers: LockServer[], runs: Map<string, LockRun[]>): void {
  const bare = runs.get(BARE)!;
  const lib = runs.get(BARE_HOLDFAST);
  if (!lib) return;
  const diff = (a: LockRun[], b: LockRun[], f: (r: LockRun) => number) =>
    fmt(median(a.map((r, i) => f(r) - f(b[i]))));
  const server = (r: LockRun) => r.serverCpuUsPerCycle;
  const redis = (r: LockRun) => r.redisCpuUsPerCycle;
  console.log(
    `\n  Per cycle, µs: ${BARE_HOLDFAST} over ${BARE}: server CPU +${diff(lib, bare, server)} (the library's client side), Redis CPU +${diff(lib, bare, redis)} (the lock scripts)`,
  );
  for (const s of servers.filter((x) => x.holdfast !== undefined)) {
    const rs = runs.get(s.name)!;
    console.log(
      `  Per cycle, µs: ${s.name} over ${BARE_HOLDFAST}: server CPU +${diff(rs, lib, server)} (its HTTP layer), Redis CPU +${diff(rs, lib, redis)}`,
    );
  }
}

/** The servers in round `round`'s order: each round starts one server further along. */
function inRoundOrder<T>(servers: T[], round: number): T[] {
  return servers.map((_, j) => servers[(round + j) % servers.length]);
}

/** Moves the Redis server on `port` to the CPUs `cpus` (a taskset list); fails the bench if it cannot. */
function pinRedis(port: number, cpus: string): void {
  const info = spawnSync("redis-cli", ["-p", String(port), "INFO", "server"]).stdout?.toString() ?? "";
  const pid = /process_id:(\d+)/.exec(info)?.[1];
  const pinned = pid ? spawnSync("taskset", ["-pc", cpus, pid]) : undefined;
  if (!pinned || pinned.status !== 0)
    throw new Error(`could not pin Redis (pid ${pid}) to CPUs ${cpus}: ${pinned?.stderr?.toString() ?? ""}`);
  console.log(`Redis (pid ${pid}) on CPUs ${cpus}`);
}

async function main(): Promise<void> {
  // holdfast serve runs dist/ (bin/holdfast.js runs the sources through tsx when dist/ is stale,
  // which would measure tsx): build it first when a source changed.
  for (const cwd of [ROOT, process.env.BENCH_BASELINE_DIR].filter((d) => d !== undefined)) {
    const built = spawnSync(process.execPath, ["scripts/build.mjs", "--if-stale"], { cwd, stdio: "inherit" });
    if (built.status !== 0) throw new Error(`npm run build failed in ${cwd}`);
  }
  const redis = await PrivateRedis.start();
  if (process.env.BENCH_REDIS_CPU) pinRedis(redis.port, process.env.BENCH_REDIS_CPU);
  const running: Running[] = [];
  let store: Awaited<ReturnType<typeof createStore>> | undefined;
  let meterClient: Redis | undefined;
  const cleanup = async () => {
    try {
      meterClient?.disconnect();
      for (const r of running.splice(0)) await stopServer(r.proc);
    } finally {
      try {
        await store?.close();
        store = undefined;
      } finally {
        await redis.stop();
      }
    }
  };
  const onSignal = (signal: NodeJS.Signals) => {
    process.on("unhandledRejection", () => {});
    void cleanup().finally(() => process.kill(process.pid, signal));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const only = process.env.BENCH_SERVERS?.split(",");
    const servers = lockServers(redis.port).filter(
      (s) => !only || s.holdfast === undefined || only.includes(String(s.holdfast)),
    );
    meterClient = new Redis({ host: "127.0.0.1", port: redis.port, lazyConnect: false });
    const meter = redisMeter(meterClient);
    for (const s of servers) running.push(await startServer(s));
    for (const r of running) await lockCycles(r, WARMUP_MS, meter);

    store = await createStore({
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      type: "redis",
      redis: { host: "127.0.0.1", port: redis.port },
      env: {},
      checkServer: false,
      prefix: "bench:",
    });
    const locks = createLocks(store, { ttlMs: TTL_MS });
    const lockKeys = Array.from({ length: CONCURRENCY }, (_, w) => `lib-${w}`);
    const libraryCycle = async (w: number) => locks.release(await locks.acquire(lockKeys[w]));

    const runs = new Map<string, LockRun[]>(servers.map((s) => [s.name, []]));
    const library: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const r of inRoundOrder(running, round)) {
        runs.get(r.server.name)!.push(await lockCycles(r, DURATION_MS, meter));
      }
      const lib = await measure({
        name: "library",
        concurrency: CONCURRENCY,
        durationMs: DURATION_MS,
        warmupMs: round === 0 ? WARMUP_MS : 200,
        op: libraryCycle,
      });
      library.push(lib.opsPerSec);
    }
    // The same servers under light load, in rotated order each round like the rows above.
    const light = new Map<string, LockRun[]>(servers.map((s) => [s.name, []]));
    for (let round = 0; LIGHT_CONNECTIONS > 0 && round < ROUNDS; round++) {
      for (const r of inRoundOrder(running, round)) {
        light.get(r.server.name)!.push(await lockCycles(r, DURATION_MS, meter, LIGHT_CONNECTIONS));
      }
    }

    console.log(await environmentLine((await store.health()).serverVersion));
    console.log(
      `${DURATION_MS} ms per row after ${WARMUP_MS} ms warm-up; Redis, the servers and autocannon share this machine`,
    );
    printLockTable(servers, runs, library);
    if (LIGHT_CONNECTIONS > 0) printLightTable(servers, light);
    const serve = running.find((r) => r.server.name === "holdfast serve");
    if (process.env.BENCH_LOCKS_ONLY || !serve) return;
    // Rate-limit checks through holdfast serve vs the library.
    const limiter = createRateLimiter(store, { name: "bench-lib", limits: [GCRA] });
    const names = Array.from({ length: KEYS }, (_, i) => `user-${i}`);
    let refused = 0;
    await httpRateLimitChecks(serve, WARMUP_MS);
    const httpChecks = await httpRateLimitChecks(serve, DURATION_MS);
    const libChecks = await measure({
      name: "library checks",
      concurrency: CONCURRENCY,
      durationMs: DURATION_MS,
      warmupMs: WARMUP_MS,
      op: async (w, i) => {
        if (!(await limiter.consume(names[(w * 7919 + i) % KEYS])).allowed) refused++;
      },
    });
    if (refused > 0) throw new Error(`the library rate limiter refused ${refused} checks: limits too small`);

    const httpCps = httpChecks["2xx"] / httpChecks.duration;
    console.log(
      [
        "",
        `### Rate-limit check (gcra), holdfast serve vs the library, concurrency ${CONCURRENCY}`,
        "",
        "| via | checks/s | p50 ms | p99 ms | ÷ library |",
        "|---|---:|---:|---:|---:|",
        `| HTTP (holdfast serve) | ${int(httpCps)} | ${fmt(httpChecks.latency.p50)} | ${fmt(httpChecks.latency.p99)} | ${(httpCps / libChecks.opsPerSec).toFixed(2)}× |`,
        `| library | ${int(libChecks.opsPerSec)} | ${fmt(libChecks.p50Ms)} | ${fmt(libChecks.p99Ms)} | – |`,
        "",
      ].join("\n"),
    );
  } finally {
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
    await cleanup();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
