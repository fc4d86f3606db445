/**
 * The flash-sale load demo: 5,000 simulated buyers over HTTP (loopback only, 100 at once) for 200
 * units. Buyers log in, join the waiting room, poll their place until admitted, reserve, then most
 * confirm, some cancel, and some abandon their reservation (2 s reservations here, so that lapsed
 * reservations come back within the run and are bought by others). At the end it checks that
 * exactly the stock was sold, nothing oversold, and every lapsed or cancelled unit came back.
 *
 *   npm run demo:flashsale          (a private redis-server started from the binary; the memory
 *                                    store when redis-server is not installed)
 *   REDIS_URL=redis://… npm run demo:flashsale   (your Redis; keys under a fresh prefix)
 *   DEMO_STORE=memory npm run demo:flashsale     (the embedded memory store)
 * The app runs in a child process (its own event loop, as in production); the buyers run here.
 * Knobs: DEMO_BUYERS (5000), DEMO_STOCK (200), DEMO_CONCURRENCY (100), DEMO_HOLD_TTL_MS (2000).
 * Exits 1 if anything was oversold or an invariant failed.
 */
import { randomUUID } from "node:crypto";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createStore, type Store } from "holdfast";
import { PrivateRedis } from "../../bench/support/redis-server.js";
import { buildFlashSaleApp } from "./app.js";
import { intEnv } from "./config.js";
import { describeEnvFiles, loadExampleEnv } from "../support/env.js";

// `.env.local` and `.env` first (REDIS_URL, DEMO_*); the environment wins.
for (const line of describeEnvFiles(loadExampleEnv())) console.error(line);
const env = process.env;
const BUYERS = intEnv(env, "DEMO_BUYERS", 5000);
const STOCK = intEnv(env, "DEMO_STOCK", 200);
const CONCURRENCY = intEnv(env, "DEMO_CONCURRENCY", 100);
const HOLD_TTL_MS = intEnv(env, "DEMO_HOLD_TTL_MS", 2000);
const SALE = "demo-sale";
const ABANDON = 0.1; // of the buyers who get a reservation, walk away from it
const CANCEL = 0.1; // cancel it
const silent = { debug() {}, info() {}, warn() {}, error() {} };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON replies, checked by the buyers' logic
type Json = Record<string, any>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A small seeded PRNG, so that two runs make the same choices. */
function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ADMIN_TOKEN = `demo-${randomUUID()}`;

/** Where the app keeps its data: the store settings handed to the child, and what to tell the user. */
async function chooseStore(): Promise<{ childEnv: NodeJS.ProcessEnv; label: string; redis?: PrivateRedis }> {
  const memory = { DEMO_STORE: "memory", REDIS_URL: "", REDIS_HOST: "" };
  if (env.DEMO_STORE === "memory") return { childEnv: memory, label: "memory store" };
  if (env.REDIS_URL || env.REDIS_HOST) {
    const prefix = `flashsale-demo-${randomUUID().slice(0, 8)}:`;
    return { childEnv: { DEMO_PREFIX: prefix }, label: `your Redis (keys under ${prefix}*)` };
  }
  if (spawnSync("redis-server", ["--version"]).status !== 0) {
    return { childEnv: memory, label: "memory store (no redis-server binary)" };
  }
  const redis = await PrivateRedis.start();
  return { childEnv: { REDIS_URL: redis.url }, label: `private redis-server on ${redis.url}`, redis };
}

/** The child: the flash-sale app alone, announcing its address on stdout. */
async function serve(): Promise<void> {
  const store: Store =
    env.DEMO_STORE === "memory"
      ? await createStore({ type: "memory", logger: silent })
      : await createStore({ logger: silent, checkServer: false, prefix: env.DEMO_PREFIX || undefined });
  const { app } = await buildFlashSaleApp({
    store,
    sales: [{ id: SALE, stock: STOCK, perUserLimit: 1 }],
    holdTtlMs: HOLD_TTL_MS,
    admissionTtlMs: 120_000,
    admitIntervalMs: 50,
    admitBatch: 100,
    maxActiveBuyers: 1000,
    adminToken: env.DEMO_ADMIN_TOKEN,
    logLevel: "silent",
    keysFile: join(tmpdir(), `holdfast-flashsale-demo-${process.pid}`, "keys.json"),
  });
  const url = await app.listen({ port: 0, host: "127.0.0.1" });
  process.stdout.write(`READY ${url}\n`);
  process.once("SIGTERM", () => {
    void app
      .close()
      .then(() => store.close())
      .then(() => process.exit(0));
  });
}

async function startChild(childEnv: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), "--serve"], {
    env: { ...env, ...childEnv, DEMO_ADMIN_TOKEN: ADMIN_TOKEN },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  const base = await new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /READY (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once("exit", (code) => reject(new Error(`the app exited (code ${code}) before it was ready`)));
  });
  return { child, base };
}

class Progress {
  private last = 0;
  private readonly tty = process.stdout.isTTY === true;
  constructor(private readonly total: number) {}
  update(done: number, extra: string, force = false): void {
    const now = Date.now();
    if (!force && now - this.last < (this.tty ? 100 : 2000)) return;
    this.last = now;
    const width = 30;
    const filled = Math.round((done / this.total) * width);
    const line = `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done.toLocaleString("en-US")}/${this.total.toLocaleString("en-US")} buyers  ${extra}`;
    if (this.tty) process.stdout.write(`\r${line}\x1b[K`);
    else console.log(line);
  }
  end(): void {
    if (this.tty) process.stdout.write("\n");
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<number> {
  const started = performance.now();
  const { childEnv, label, redis } = await chooseStore();
  const { child, base } = await startChild(childEnv);
  console.log(
    `Flash sale demo: ${BUYERS.toLocaleString("en-US")} buyers, ${STOCK} units, ${CONCURRENCY} at once, ${HOLD_TTL_MS} ms reservations`,
  );
  console.log(`App on ${base} (child process ${child.pid}), ${label}`);

  const call = async (
    method: string,
    path: string,
    auth?: string,
    body?: unknown,
  ): Promise<{ status: number; body: Json }> => {
    const headers: Record<string, string> = {};
    if (auth) headers.authorization = auth;
    if (body !== undefined) headers["content-type"] = "application/json";
    const r = await fetch(base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: r.status, body: (await r.json()) as Json };
  };

  const count = {
    done: 0,
    confirmed: 0,
    cancelled: 0,
    abandoned: 0,
    lateConfirms: 0,
    soldOutBuyers: 0,
    errors: 0,
    unavailable: 0,
  };
  const reserveMs: number[] = [];
  const random = mulberry32(42);
  const progress = new Progress(BUYERS);
  const q = { flashSaleId: SALE };

  const buyer = async (i: number): Promise<void> => {
    const roll = random();
    const plan = roll < ABANDON ? "abandon" : roll < ABANDON + CANCEL ? "cancel" : "buy";
    const login = await call("POST", "/api/v1/auth/login", undefined, { userId: `buyer-${i}` });
    if (login.status !== 200) throw new Error(`login: ${login.status} ${JSON.stringify(login.body)}`);
    const auth = `Bearer ${login.body.token as string}`;
    await call("POST", "/api/v1/queue/join", auth, q);
    for (;;) {
      const pos = await call("GET", `/api/v1/queue/position?flashSaleId=${SALE}`, auth);
      if (pos.status === 503) count.unavailable++;
      if (pos.body.sale?.soldOut) {
        count.soldOutBuyers++;
        await call("POST", "/api/v1/queue/leave", auth, q);
        return;
      }
      if (pos.body.state === "admitted") break;
      if (pos.body.state === "absent") await call("POST", "/api/v1/queue/join", auth, q);
      await sleep(100 + random() * 100);
    }
    for (;;) {
      const t0 = performance.now();
      const r = await call("POST", "/api/v1/reservations", auth, q);
      reserveMs.push(performance.now() - t0);
      if (r.status === 201) {
        const id = encodeURIComponent(r.body.reservation.id as string);
        if (plan === "abandon") {
          count.abandoned++; // closes the tab: the reservation lapses and its unit comes back
          return;
        }
        if (plan === "cancel") {
          const d = await call("DELETE", `/api/v1/reservations/${id}`, auth);
          if (d.body.outcome === "released") count.cancelled++;
          await call("POST", "/api/v1/queue/leave", auth, q);
          return;
        }
        await sleep(random() * 200); // fills in the payment form
        const c = await call("POST", `/api/v1/reservations/${id}/confirm`, auth);
        if (c.status === 200 && c.body.alreadyConfirmed === false) count.confirmed++;
        else if (c.body.reason === "reservation_expired") {
          count.lateConfirms++;
          continue;
        } else count.errors++;
        return;
      }
      if (r.status === 409 && r.body.reason === "sold_out") {
        count.soldOutBuyers++;
        await call("POST", "/api/v1/queue/leave", auth, q);
        return;
      }
      if (r.status === 503) count.unavailable++;
      else if (!(r.status === 409 && r.body.reason === "all_held")) {
        throw new Error(`reserve: ${r.status} ${JSON.stringify(r.body)}`);
      }
      await sleep(150 + random() * 150);
    }
  };

  let next = 0;
  let soldLine = "";
  const ticker = setInterval(() => {
    void call("GET", `/api/v1/sales/${SALE}`).then((s) => {
      const v = s.body.sale as Json | undefined;
      if (v) soldLine = `sold ${v.sold}/${STOCK}, held ${v.held}`;
    });
  }, 250);
  const worker = async () => {
    while (next < BUYERS) {
      const i = next++;
      try {
        await buyer(i);
      } catch (e) {
        count.errors++;
        console.error(`\nbuyer-${i}: ${(e as Error).message}`);
      }
      count.done++;
      progress.update(count.done, soldLine);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  clearInterval(ticker);
  progress.update(count.done, soldLine, true);
  progress.end();

  const final = (await call("GET", `/api/v1/sales/${SALE}`)).body.sale as Json;
  const stats = (await call("GET", "/api/v1/admin/stats", `Bearer ${ADMIN_TOKEN}`)).body.stats as Json;
  child.kill("SIGTERM");
  await once(child, "exit");
  await redis?.stop();
  const totalS = (performance.now() - started) / 1000;

  const sorted = reserveMs.sort((x, y) => x - y);
  const oversold = Math.max(0, count.confirmed - STOCK, (final.sold as number) - STOCK);
  const checks: [string, boolean][] = [
    [
      "available + held + sold = total",
      final.available + final.held + final.sold === final.total && final.total === STOCK,
    ],
    [`units sold = ${STOCK} (demand exceeds supply)`, BUYERS <= STOCK || final.sold === STOCK],
    ["confirmed by buyers = sold by the store", count.confirmed === final.sold],
    ["oversold = 0", oversold === 0],
    ["no reservation left held", final.held === 0],
    [
      "every lapsed reservation returned its unit",
      stats.holdsExpired === count.abandoned + count.lateConfirms,
    ],
    ["every cancelled reservation returned its unit", stats.holdsReleased === count.cancelled],
    ["no unexpected errors", count.errors === 0],
  ];
  const n = (x: number) => x.toLocaleString("en-US");
  console.log("");
  console.log(`units sold                      ${n(final.sold)} of ${n(STOCK)}`);
  console.log(`oversold                        ${n(oversold)}`);
  console.log(
    `holds expired and returned      ${n(stats.holdsExpired)} (abandoned ${n(count.abandoned)}, confirmed too late ${n(count.lateConfirms)})`,
  );
  console.log(`holds released (cancelled)      ${n(stats.holdsReleased)}`);
  console.log(`buyers told "sold out"          ${n(count.soldOutBuyers)}`);
  console.log(
    `reserve calls                   ${n(sorted.length)}  p50 ${percentile(sorted, 50).toFixed(1)} ms  p99 ${percentile(sorted, 99).toFixed(1)} ms`,
  );
  console.log(`503 answers (store unavailable) ${n(count.unavailable)}`);
  console.log(`total time                      ${totalS.toFixed(1)} s`);
  console.log("");
  for (const [what, ok] of checks) console.log(`${ok ? "✓" : "✗"} ${what}`);
  return checks.every(([, ok]) => ok) ? 0 : 1;
}

if (process.argv[2] === "--serve") await serve();
else process.exitCode = await main();
