/**
 * Gives the run a temporary folder of its own (TMPDIR, which os.tmpdir() reads, and which the test
 * workers and every process they start inherit) and, when the run ends, fails it if a test left
 * anything there, naming what; the folder is removed either way, so a run leaves nothing in the
 * machine's temp dir even when a test forgets to clean up.
 *
 * Starts one private Redis, one private Sentinel set (master, replica, three sentinels) and one
 * private 3-master Redis Cluster for the whole run, side by side; each test file isolates itself
 * with a unique key prefix. Fault tests that kill or fail over nodes start topologies of their own. Without redis-server the Redis suites are skipped
 * with one loud line, unless HOLDFAST_REQUIRE_REDIS=1, which makes that a failure.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { PrivateCluster, PrivateRedis, redisServerAvailable } from "./redis-server.js";
import { SentinelSet } from "./topology.js";

declare module "vitest" {
  export interface ProvidedContext {
    redisPort: number | null;
    clusterSeeds: { host: string; port: number }[] | null;
    /** `REDIS_SENTINELS` and `REDIS_SENTINEL_NAME` of the shared Sentinel set. */
    sentinelEnv: { REDIS_SENTINELS: string; REDIS_SENTINEL_NAME: string } | null;
    redisSkipReason: string | null;
  }
}

/**
 * tsx's compile cache (`tsx-<uid>`), which the CLI children that run the sources use: the run's
 * folder links to the machine's, so it outlives the run as it would without a private TMPDIR (a
 * cold cache makes every CLI test seconds slower). Anything else a run leaves is a test that forgot
 * to clean up.
 */
const TSX_CACHE = `tsx-${process.getuid?.() ?? "user"}`;

/** Makes the run's own temp dir; the returned check removes it and throws if tests left anything. */
function privateTempDir(): () => void {
  const dir = mkdtempSync(join(tmpdir(), "holdfast-test-run-"));
  mkdirSync(join(tmpdir(), TSX_CACHE), { recursive: true });
  symlinkSync(join(tmpdir(), TSX_CACHE), join(dir, TSX_CACHE));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  return () => {
    const left = readdirSync(dir).filter((name) => name !== TSX_CACHE);
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(dir, { recursive: true, force: true });
    if (left.length > 0)
      throw new Error(
        `tests left ${left.length} entr${left.length === 1 ? "y" : "ies"} in the temp dir (removed now): ${left.sort().join(", ")}`,
      );
  };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const checkTempDir = privateTempDir();
  const required = process.env.HOLDFAST_REQUIRE_REDIS === "1";
  const available = redisServerAvailable();
  if (!available.ok) {
    if (required) throw new Error(`HOLDFAST_REQUIRE_REDIS=1 but ${available.why}`);
    const line = `!!! REDIS SUITES SKIPPED: ${available.why}. Set HOLDFAST_REQUIRE_REDIS=1 to make this a failure. !!!`;
    console.warn(`\n${"!".repeat(line.length)}\n${line}\n${"!".repeat(line.length)}\n`);
    project.provide("redisPort", null);
    project.provide("clusterSeeds", null);
    project.provide("sentinelEnv", null);
    project.provide("redisSkipReason", available.why);
    return async () => checkTempDir();
  }
  const started = await Promise.allSettled([
    PrivateRedis.start(),
    SentinelSet.start(),
    PrivateCluster.start(3),
  ]);
  const [redis, sentinel, cluster] = started.map((r) => (r.status === "fulfilled" ? r.value : undefined)) as [
    PrivateRedis | undefined,
    SentinelSet | undefined,
    PrivateCluster | undefined,
  ];
  const stopAll = async () => {
    await Promise.all([redis?.stop(), sentinel?.stop(), cluster?.stop()]);
  };
  const failed = started.find((r) => r.status === "rejected");
  if (failed) {
    await stopAll();
    checkTempDir();
    throw failed.reason;
  }
  project.provide("redisPort", redis!.port);
  project.provide("sentinelEnv", sentinel!.env);
  project.provide("clusterSeeds", cluster!.seeds);
  project.provide("redisSkipReason", null);
  return async () => {
    await stopAll();
    checkTempDir();
  };
}
