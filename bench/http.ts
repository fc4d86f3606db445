/**
 * The cost of the HTTP service: lock cycles (acquire + release) and rate-limit checks sent with
 * autocannon to `holdfast serve` running as a separate process, beside the same operations through
 * the library directly, at the same concurrency, against the same private Redis, in the same run.
 *
 *   npm run bench:http                          # 5 s per row
 *   BENCH_DURATION_MS=2000 npm run bench:http   # quick check
 *
 * The service runs in open loopback mode (no API keys) with HOLDFAST_LOG_LEVEL=warn. Each HTTP
 * connection locks its own key, so cycles never conflict; a lock cycle's throughput is the number
 * of successful release responses per second. Any non-2xx response fails the bench: a figure made
 * of 400s or 409s would measure the wrong thing.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
// @ts-expect-error autocannon 8 ships no type declarations.
import autocannonModule from "autocannon";
import { environmentLine, measure, type Measurement } from "./support/harness.js";
import { PrivateRedis, freePort } from "./support/redis-server.js";
import { createLocks, createRateLimiter, createStore, type LimitSpec } from "holdfast";

const CONCURRENCY = 50;
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 5000);
const WARMUP_MS = 500;
const TTL_MS = 30_000;
/** Rate-limit checks are spread over this many keys; the limit is so large every check passes. */
const KEYS = 1000;
const GCRA: LimitSpec = { algorithm: "gcra", burst: 1_000_000, ratePerSec: 1_000_000 };
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const JSON_HEADERS = { "content-type": "application/json" };

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
  reset(): void {
    this.n = 0;
  }
  percentiles(): { p50: number; p99: number } {
    const sorted = this.data.slice(0, this.n).sort();
    return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
  }
}

interface Row {
  operation: string;
  via: "HTTP" | "library";
  opsPerSec: number;
  /** Per operation (a lock cycle is one operation of two requests). */
  p50Ms: number;
  p99Ms: number;
  /** Per single request/call (acquire or release alone, for locks). */
  requestP99Ms: number;
}

/** `holdfast serve` as a child process on a free port; resolves once /readyz answers 200. */
async function startService(
  redisUrl: string,
): Promise<{ url: string; proc: ChildProcess; output: () => string }> {
  const port = await freePort();
  const proc = spawn(process.execPath, ["bin/holdfast.js", "serve"], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      REDIS_URL: redisUrl,
      HOLDFAST_LOG_LEVEL: "warn",
    },
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
      throw new Error(`holdfast serve exited (${proc.exitCode ?? proc.signalCode}) before ready:\n${log}`);
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.status === 200) return { url, proc, output: () => log };
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill("SIGKILL");
  throw new Error(`holdfast serve was not ready within 60 s:\n${log}`);
}

/** SIGTERM (graceful drain), then SIGKILL if it has not exited within 5 s. */
async function stopService(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once("exit", r));
  proc.kill("SIGTERM");
  const timer = setTimeout(() => proc.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

/** Fails the bench on any non-2xx, error or timeout: such figures would not measure the operation. */
function checkClean(what: string, r: CannonResult, log: () => string): void {
  if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0)
    throw new Error(
      `${what}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts out of ${r["2xx"] + r.non2xx}; server output:\n${log()}`,
    );
}

let lockRuns = 0;

/** Lock cycles over HTTP: each connection acquires then releases its own key, carrying the token. */
async function httpLockCycles(
  url: string,
  log: () => string,
  durationMs: number,
  record: boolean,
): Promise<Row> {
  const cycles = new Samples();
  let released = 0;
  let nextConnection = 0;
  // Fresh keys per run: a run that stops mid-cycle leaves locks held until their TTL.
  const run = ++lockRuns;
  const statuses = new Map<number, number>();
  const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
  const requestsFor = (key: string): CannonRequest[] => [
    {
      method: "POST",
      path: `/v1/locks/${key}/acquire`,
      headers: JSON_HEADERS,
      body: JSON.stringify({ ttlMs: TTL_MS }),
      setupRequest: (req, context) => {
        context.t0 = performance.now();
        return req;
      },
      onResponse: (status, body, context) => {
        count(status);
        if (status === 200) context.token = (JSON.parse(body) as { token: string }).token;
      },
    },
    {
      method: "POST",
      path: `/v1/locks/${key}/release`,
      headers: JSON_HEADERS,
      // No token (acquire failed): returning undefined restarts the connection at acquire.
      setupRequest: (req, context) =>
        typeof context.token === "string"
          ? { ...req, body: JSON.stringify({ token: context.token }) }
          : undefined,
      onResponse: (status, _body, context) => {
        count(status);
        if (status !== 200) return;
        released++;
        cycles.add(performance.now() - (context.t0 as number));
      },
    },
  ];
  cycles.on = record;
  const r = await autocannon({
    url,
    connections: CONCURRENCY,
    duration: durationMs / 1000,
    requests: requestsFor("placeholder"),
    setupClient: (client) => client.setRequests(requestsFor(`http-${run}-${nextConnection++}`)),
  });
  cycles.on = false;
  checkClean(`HTTP lock cycles (statuses ${JSON.stringify([...statuses])})`, r, log);
  const { p50, p99 } = cycles.percentiles();
  return {
    operation: "lock cycle (acquire + release)",
    via: "HTTP",
    opsPerSec: released / r.duration,
    p50Ms: p50,
    p99Ms: p99,
    requestP99Ms: r.latency.p99,
  };
}

/** Rate-limit checks over HTTP, keys spread over KEYS values. */
async function httpRateLimitChecks(url: string, log: () => string, durationMs: number): Promise<Row> {
  const bodies = Array.from({ length: KEYS }, (_, i) => JSON.stringify({ key: `user-${i}`, limits: [GCRA] }));
  let i = 0;
  const r = await autocannon({
    url,
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
  checkClean("HTTP rate-limit checks", r, log);
  return {
    operation: "rate-limit check (gcra)",
    via: "HTTP",
    opsPerSec: r["2xx"] / r.duration,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    requestP99Ms: r.latency.p99,
  };
}

function libraryRow(operation: string, m: Measurement, requestP99Ms: number): Row {
  return { operation, via: "library", opsPerSec: m.opsPerSec, p50Ms: m.p50Ms, p99Ms: m.p99Ms, requestP99Ms };
}

function printComparison(rows: Row[]): void {
  const fmt = (n: number) => (n < 10 ? n.toFixed(3) : n.toFixed(1));
  const lines = [
    `### HTTP service (holdfast serve, separate process) vs library, concurrency ${CONCURRENCY}`,
    "",
    "| operation | via | ops/s | p50 ms | p99 ms | p99 ms per request | ops/s HTTP ÷ library | p99 HTTP ÷ library |",
    "|---|---|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of rows) {
    const lib = rows.find((x) => x.operation === r.operation && x.via === "library");
    const ratio = (a: number, b: number | undefined) =>
      r.via === "HTTP" && b !== undefined ? `${(a / b).toFixed(2)}×` : "–";
    lines.push(
      `| ${r.operation} | ${r.via} | ${Math.round(r.opsPerSec).toLocaleString("en-US")} | ${fmt(r.p50Ms)} | ${fmt(r.p99Ms)} | ${fmt(r.requestP99Ms)} | ${ratio(r.opsPerSec, lib?.opsPerSec)} | ${ratio(r.p99Ms, lib?.p99Ms)} |`,
    );
  }
  console.log(`\n${lines.join("\n")}\n`);
  console.log(
    "ops/s of a lock cycle = release responses per second; p99 ms is per operation (a whole cycle for locks), " +
      "'p99 ms per request' is per single HTTP request or library call (autocannon's latency for HTTP, in whole milliseconds).",
  );
}

async function main(): Promise<void> {
  const redis = await PrivateRedis.start();
  let service: ChildProcess | undefined;
  let store: Awaited<ReturnType<typeof createStore>> | undefined;
  const cleanup = async () => {
    try {
      if (service) await stopService(service);
      service = undefined;
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
    // Loops still in flight fail once the store closes: ignore that while the children are stopped.
    process.on("unhandledRejection", () => {});
    void cleanup().finally(() => process.kill(process.pid, signal));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const started = await startService(redis.url);
    service = started.proc;
    const log = started.output;

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
    const calls = new Samples();
    const lockCycle = async (w: number) => {
      const t0 = performance.now();
      const lease = await locks.acquire(lockKeys[w]);
      const t1 = performance.now();
      await locks.release(lease);
      calls.add(t1 - t0);
      calls.add(performance.now() - t1);
    };
    const limiter = createRateLimiter(store, { name: "bench-lib", limits: [GCRA] });
    const names = Array.from({ length: KEYS }, (_, i) => `user-${i}`);
    let refused = 0;
    const check = async (w: number, i: number) => {
      if (!(await limiter.consume(names[(w * 7919 + i) % KEYS])).allowed) refused++;
    };

    const rows: Row[] = [];
    // Locks: warm both paths up (JIT, script cache, connections), then measure.
    await httpLockCycles(started.url, log, WARMUP_MS, false);
    rows.push(await httpLockCycles(started.url, log, DURATION_MS, true));
    await measure({
      name: "warm-up",
      concurrency: CONCURRENCY,
      durationMs: WARMUP_MS,
      warmupMs: 0,
      op: lockCycle,
    });
    calls.on = true;
    const libLocks = await measure({
      name: "library locks",
      concurrency: CONCURRENCY,
      durationMs: DURATION_MS,
      warmupMs: 0,
      op: lockCycle,
    });
    calls.on = false;
    rows.push(libraryRow("lock cycle (acquire + release)", libLocks, calls.percentiles().p99));

    // Rate limits.
    await httpRateLimitChecks(started.url, log, WARMUP_MS);
    rows.push(await httpRateLimitChecks(started.url, log, DURATION_MS));
    const libChecks = await measure({
      name: "library checks",
      concurrency: CONCURRENCY,
      durationMs: DURATION_MS,
      warmupMs: WARMUP_MS,
      op: check,
    });
    if (refused > 0) throw new Error(`the library rate limiter refused ${refused} checks: limits too small`);
    rows.push(libraryRow("rate-limit check (gcra)", libChecks, libChecks.p99Ms));

    console.log(await environmentLine((await store.health()).serverVersion));
    console.log(
      `${DURATION_MS} ms per row after ${WARMUP_MS} ms warm-up; Redis and the service share this machine`,
    );
    printComparison(rows);
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
