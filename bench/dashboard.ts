/**
 * The dashboard's first page on a store holding 100,000 locks (issue 18: under 1 s), on the memory
 * store and on a private Redis: over HTTP (a real socket, sequential calls, median and worst of
 * ROUNDS) and, when Chromium is installed, in the page itself (from a click on "Locks" to the first
 * row on screen). Also a prefix that matches nothing (the worst case for a filtered SCAN: a page
 * stops after its key budget), a sparse prefix, the next page, and the overview.
 *   npm run bench:dashboard            LOCKS=100000 ROUNDS=15 by default
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLocks, createStore, namespacedStore, type Store } from "holdfast";
import { buildApp, mintApiKey, StoreKeyStore, tenantNamespace } from "holdfast/server";
import { PrivateRedis } from "./support/redis-server.js";
import { envInt } from "./support/env.js";

const LOCKS = envInt("LOCKS", 100_000, 1);
const ROUNDS = envInt("ROUNDS", 15, 1);
const silent = { debug() {}, info() {}, warn() {}, error() {} };

async function seed(store: Store): Promise<void> {
  const locks = createLocks(namespacedStore(store, tenantNamespace("acme")));
  const started = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 256 }, async () => {
      while (next < LOCKS) {
        const i = next++;
        await locks.acquire(`lock-${String(i).padStart(6, "0")}`, {
          ttlMs: 3_600_000,
          metadata: { user: `u${i}` },
        });
      }
    }),
  );
  console.log(`  seeded ${LOCKS} locks in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function stats(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
}

async function measure(label: string, kind: string, url: string, key: string, assets: string | undefined) {
  const get = async (path: string) => {
    const t = performance.now();
    const r = await fetch(url + path, { headers: { authorization: `Bearer ${key}` } });
    const body = (await r.json()) as { locks?: unknown[]; nextCursor?: string | null };
    if (r.status !== 200) throw new Error(`${path}: HTTP ${r.status}`);
    return { ms: performance.now() - t, body };
  };
  const first = await get("/v1/locks?limit=50");
  const cases: [string, string][] = [
    ["first page, no filter", "/v1/locks?limit=50"],
    ["first page, prefix matching nothing", "/v1/locks?limit=50&prefix=zzz"],
    ["first page, prefix lock-0999 (100 locks)", "/v1/locks?limit=50&prefix=lock-0999"],
    ["second page (cursor)", `/v1/locks?limit=50&cursor=${first.body.nextCursor}`],
    ["overview", "/v1/dashboard/overview"],
  ];
  const rows: string[] = [];
  for (const [name, path] of cases) {
    const times: number[] = [];
    let items = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const r = await get(path);
      times.push(r.ms);
      items = r.body.locks?.length ?? 0;
    }
    const s = stats(times);
    rows.push(
      `| ${label} | ${name} | ${s.median.toFixed(1)} | ${s.max.toFixed(1)} | ${name === "overview" ? "" : items} |`,
    );
  }
  if (assets && existsSync("/usr/bin/chromium")) {
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu"],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1366, height: 860 } });
      await page.goto(`${url}/dashboard`);
      await page.fill("#api-key", key);
      await page.click("button[type=submit]");
      await page.waitForSelector("nav.side");
      const times: number[] = [];
      for (let i = 0; i < Math.min(ROUNDS, 7); i++) {
        await page.click('nav.side a[href="#/overview"]');
        await page.waitForSelector(".card");
        const t = performance.now();
        await page.click('nav.side a[href="#/locks"]');
        await page.waitForSelector("tr[data-lock]");
        times.push(performance.now() - t);
      }
      const s = stats(times);
      rows.push(
        `| ${label} | in Chromium: click "Locks" → first row shown | ${s.median.toFixed(1)} | ${s.max.toFixed(1)} | 50 |`,
      );
    } finally {
      await browser.close();
    }
  }
  console.log(rows.join("\n"));
  void kind;
}

async function run(kind: "memory" | "redis", assets: string | undefined): Promise<void> {
  const redis = kind === "redis" ? await PrivateRedis.start() : undefined;
  const store = await createStore({
    logger: silent,
    env: {},
    checkServer: false,
    ...(redis
      ? { type: "redis" as const, redis: { host: "127.0.0.1", port: redis.port } }
      : { type: "memory" as const }),
  });
  try {
    console.log(`${kind}:`);
    await seed(store);
    const keyStore = new StoreKeyStore(store);
    const { key, record } = mintApiKey({ name: "bench", role: "admin", tenants: ["acme"] });
    await keyStore.put(record);
    const { app } = await buildApp({ store, keyStore, logLevel: "silent", dashboardDir: assets ?? false });
    try {
      const url = await app.listen({ port: 0, host: "127.0.0.1" });
      console.log("| store | call | median ms | max ms | locks returned |\n|---|---|---|---|---|");
      await measure(kind, kind, url, key, assets);
    } finally {
      await app.close();
    }
  } finally {
    await store.close();
    await redis?.stop();
  }
}

const assets = mkdtempSync(join(tmpdir(), "holdfast-bench-dashboard-"));
try {
  execFileSync(process.execPath, ["scripts/build-dashboard.mjs", "--out", assets, "--quiet"]);
  console.log(`${LOCKS} locks, ${ROUNDS} rounds per call, sequential, over HTTP on 127.0.0.1`);
  await run("memory", assets);
  await run("redis", assets);
} finally {
  rmSync(assets, { recursive: true, force: true });
}
