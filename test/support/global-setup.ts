/**
 * Starts one private Redis, one private Sentinel set (master, replica, three sentinels) and one
 * private 3-master Redis Cluster for the whole run, side by side; each test file isolates itself
 * with a unique key prefix. Fault tests that kill or fail over nodes start topologies of their own. Without redis-server the Redis suites are skipped
 * with one loud line, unless HOLDFAST_REQUIRE_REDIS=1, which makes that a failure.
 */
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

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
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
    return async () => {};
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
    throw failed.reason;
  }
  project.provide("redisPort", redis!.port);
  project.provide("sentinelEnv", sentinel!.env);
  project.provide("clusterSeeds", cluster!.seeds);
  project.provide("redisSkipReason", null);
  return stopAll;
}
