/**
 * The seed's `npm run verify`: connects to the configured Redis (REDIS_URL…; the embedded memory
 * store when none is configured), makes a PING round trip, prints the server version and Holdfast's
 * server checks (eviction policy, persistence, version). Exit code 0 when usable, 1 otherwise.
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/flash-sale/verify.ts   (or REDIS_URL in .env)
 */
import { type CheckFinding, checkRedis, createStore } from "holdfast";
import { describeEnvFiles, loadExampleEnv } from "../support/env.js";

// The seed keeps REDIS_URL in `.env`: read it (and `.env.local`) first; the environment wins.
for (const line of describeEnvFiles(loadExampleEnv())) console.error(line);

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const mark = { ok: "✓", warn: "!", error: "✗" } as const;

async function verify(): Promise<number> {
  let store;
  try {
    store = await createStore({ logger: silent, checkServer: false, connectTimeoutMs: 5000 });
  } catch (e) {
    console.error(`✗ cannot connect: ${(e as Error).message}`);
    console.error("  Start Redis or fix REDIS_URL / REDIS_HOST / REDIS_PORT, then run verify again.");
    return 1;
  }
  try {
    const health = await store.health();
    if (health.status !== "ok") {
      console.error(`✗ PING failed: ${health.error ?? "unknown error"}`);
      return 1;
    }
    console.log(`✓ connected: ${health.kind} (${health.mode})`);
    console.log(`✓ PING round trip: ${health.latencyMs.toFixed(2)} ms`);
    console.log(`✓ server version: ${health.serverVersion}`);
    const findings: CheckFinding[] = await checkRedis(store);
    for (const f of findings) {
      console.log(`${mark[f.level]} ${f.check}: ${f.message}${f.node ? ` [${f.node}]` : ""}`);
      if (f.fix) console.log(`  fix: ${f.fix}`);
    }
    const failed = findings.some((f) => f.level === "error");
    console.log(failed ? "✗ Redis is not usable by Holdfast" : "✓ ready");
    return failed ? 1 : 0;
  } finally {
    await store.close();
  }
}

process.exitCode = await verify();
