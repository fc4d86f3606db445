/**
 * Starts seed 002's threading service on Holdfast.
 *   npm run example:threading                                   (memory store: one instance)
 *   REDIS_URL=redis://127.0.0.1:6379 npm run example:threading  (any number of instances)
 * `.env.local` and `.env` in the working directory are read first (the environment wins, then
 * `.env.local`). Environment: PORT (4002), HOST (127.0.0.1), REPLY_LIMIT (5), REPLY_WINDOW_SECONDS
 * (60), LOCK_TTL_SECONDS (10), RATE_LIMIT_ON_REDIS_DOWN (local | fail-closed | fail-open), and the
 * Redis variables of docs/stores.md (REDIS_URL or REDIS_HOST/REDIS_PORT/REDIS_PASSWORD).
 */
import { setDegradationLogger } from "holdfast";
import { describeEnvFiles, loadExampleEnv } from "../support/env.js";
import { listenUntilSignal, intSetting, portSetting, runExample, say } from "../support/startup.js";
import { buildThreadingApp } from "./app.js";

runExample(async () => {
  for (const line of describeEnvFiles(loadExampleEnv())) say(line);
  const env = process.env;
  const host = env.HOST?.trim() || "127.0.0.1";
  const port = portSetting(env, "threading-service");
  const settings = {
    replyLimit: intSetting(env, "REPLY_LIMIT", 5, { max: 1_000_000 }),
    replyWindowSeconds: intSetting(env, "REPLY_WINDOW_SECONDS", 60, { max: 86_400, unit: "seconds" }),
    lockTtlSeconds: intSetting(env, "LOCK_TTL_SECONDS", 10, { max: 3600, unit: "seconds" }),
  };
  // After the .env files: like the seed's module, redis-client.js connects from the environment as
  // soon as it is loaded.
  const { closeRedis, defaultRedisHelpers } = await import("./redis-client.js");
  const redis = defaultRedisHelpers();
  await redis.ready();
  const app = buildThreadingApp({ redis, ...settings, logLevel: env.HOLDFAST_LOG_LEVEL ?? "info" });
  setDegradationLogger(app.log);
  const url = await listenUntilSignal(app, closeRedis, { app: "threading-service", port, host });
  app.log.info(
    { store: redis.storeKind, rateLimitOnRedisDown: redis.rateLimitOnRedisDown },
    `Threading service on ${url} (POST /api/threads/:id/reply, GET /health)`,
  );
});
