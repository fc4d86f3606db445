/**
 * Starts seed 001's flash sale on Holdfast.
 *   npm run example:flashsale                                   (embedded memory store)
 *   REDIS_URL=redis://127.0.0.1:6379 npm run example:flashsale  (Redis)
 * Environment: PORT (4001), HOST (127.0.0.1), SALES (`demo:100`; `<id>:<stock>[:<perUserLimit>],…`),
 * RESERVATION_TTL_MS (300000), ADMISSION_TTL_MS (300000), ADMIT_BATCH (50), ADMIT_INTERVAL_MS (1000),
 * MAX_ACTIVE_BUYERS (1000), ADMITTER (`off` on all instances but one), ADMIN_TOKEN, RESERVATION_SECRET
 * (share it between instances), ENABLE_DEBUG_ROUTES (`true` mounts /api/v1/debug/*), HOLDFAST_PREFIX
 * (key prefix), and the Redis variables of docs/stores.md. `.env.local` and `.env` in the working
 * directory are read first (the environment wins, then `.env.local`): the seed's "Update `.env`
 * file: REDIS_URL=…" works as written.
 */
import { createStore } from "holdfast";
import { describeEnvFiles, loadExampleEnv } from "../support/env.js";
import { listenUntilSignal, portSetting, runExample, say } from "../support/startup.js";
import { buildFlashSaleApp } from "./app.js";
import { intEnv, parseSales } from "./config.js";

runExample(async () => {
  for (const line of describeEnvFiles(loadExampleEnv())) say(line);
  const env = process.env;
  const host = env.HOST?.trim() || "127.0.0.1";
  const port = portSetting(env, "flash-sale");
  const store = await createStore({ prefix: env.HOLDFAST_PREFIX || undefined });
  const { app } = await buildFlashSaleApp({
    host,
    store,
    sales: parseSales(env.SALES ?? "demo:100"),
    holdTtlMs: intEnv(env, "RESERVATION_TTL_MS", 300_000),
    admissionTtlMs: intEnv(env, "ADMISSION_TTL_MS", 300_000),
    admitBatch: intEnv(env, "ADMIT_BATCH", 50),
    admitIntervalMs: intEnv(env, "ADMIT_INTERVAL_MS", 1000),
    maxActiveBuyers: intEnv(env, "MAX_ACTIVE_BUYERS", 1000),
    admitter: env.ADMITTER !== "off",
    adminToken: env.ADMIN_TOKEN || undefined,
    reservationSecret: env.RESERVATION_SECRET || undefined,
    enableDebugRoutes: env.ENABLE_DEBUG_ROUTES === "true",
    logLevel: env.HOLDFAST_LOG_LEVEL ?? "info",
  });
  const url = await listenUntilSignal(app, () => store.close(), { app: "flash-sale", port, host });
  app.log.info(
    `Flash sale on ${url} (${store.kind} store; debug routes ${env.ENABLE_DEBUG_ROUTES === "true" ? "ON" : "off"})`,
  );
});
