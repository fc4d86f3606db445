/**
 * Starts seed 002's threading service on Holdfast.
 *   npm run example:threading                                   (memory store: one instance)
 *   REDIS_URL=redis://127.0.0.1:6379 npm run example:threading  (any number of instances)
 * Environment: PORT (4002), HOST (127.0.0.1), REPLY_LIMIT (5), REPLY_WINDOW_SECONDS (60),
 * LOCK_TTL_SECONDS (10), RATE_LIMIT_ON_REDIS_DOWN (local | fail-closed | fail-open), and the Redis
 * variables of docs/stores.md (REDIS_URL or REDIS_HOST/REDIS_PORT/REDIS_PASSWORD).
 */
import { loadDotEnv } from "../../src/util/dotenv.js";
import { setDegradationLogger } from "../../src/observe/degradation.js";
import { buildThreadingApp } from "./app.js";

// .env in the working directory, under the environment (which wins). Before redis-client.js is
// loaded: it connects from the environment as soon as it is imported, as the seed's module did.
loadDotEnv();
const { closeRedis, defaultRedisHelpers } = await import("./redis-client.js");

const intEnv = (name: string, fallback: number): number => {
  const v = process.env[name];
  if (v === undefined || v === "") return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${v}"`);
  return n;
};

const redis = defaultRedisHelpers();
await redis.ready();
const app = buildThreadingApp({
  redis,
  replyLimit: intEnv("REPLY_LIMIT", 5),
  replyWindowSeconds: intEnv("REPLY_WINDOW_SECONDS", 60),
  lockTtlSeconds: intEnv("LOCK_TTL_SECONDS", 10),
  logLevel: process.env.HOLDFAST_LOG_LEVEL ?? "info",
});
setDegradationLogger(app.log);
const url = await app.listen({ port: intEnv("PORT", 4002), host: process.env.HOST ?? "127.0.0.1" });
app.log.info(
  { store: redis.storeKind, rateLimitOnRedisDown: redis.rateLimitOnRedisDown },
  `Threading service on ${url} (POST /api/threads/:id/reply, GET /health)`,
);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void app
      .close()
      .then(() => closeRedis())
      .then(() => process.exit(0));
  });
}
