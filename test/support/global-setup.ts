/**
 * Starts one private Redis and one private 3-master Redis Cluster for the whole run; each test
 * file isolates itself with a unique key prefix. Without redis-server the Redis suites are skipped
 * with one loud line, unless HOLDFAST_REQUIRE_REDIS=1, which makes that a failure.
 */
import type { TestProject } from "vitest/node";
import { PrivateCluster, PrivateRedis, redisServerAvailable } from "./redis-server.js";

declare module "vitest" {
  export interface ProvidedContext {
    redisPort: number | null;
    clusterSeeds: { host: string; port: number }[] | null;
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
    project.provide("redisSkipReason", available.why);
    return async () => {};
  }
  const redis = await PrivateRedis.start();
  const cluster = await PrivateCluster.start(3);
  project.provide("redisPort", redis.port);
  project.provide("clusterSeeds", cluster.seeds);
  project.provide("redisSkipReason", null);
  return async () => {
    await Promise.all([redis.stop(), cluster.stop()]);
  };
}
