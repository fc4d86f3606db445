/**
 * Starts seed 000's restaurant booking pipeline on Holdfast.
 *   npm run example:restaurant                                       (memory store)
 *   QUEUE_REDIS_URL=redis://localhost:6379 npm run example:restaurant (Redis: the seed's variable, or
 *                                                                     REDIS_URL; share it between instances)
 * `.env.local` and `.env` in the working directory are read first (the environment wins, then
 * `.env.local`), as the seed's Next.js app did. Environment: PORT (3001), HOST (127.0.0.1),
 * MAX_CONCURRENT_ASSIGNMENTS (5), BREAKER_THRESHOLD (5), BREAKER_OPEN_MS (10000),
 * ASSIGNMENT_LATENCY_MS (0: simulated latency of the assignment call), HOLDFAST_LOG_LEVEL (info), and
 * the Redis variables of docs/stores.md. See README.md "Configuration".
 */
import { createInventory, createStore } from "holdfast";
import { describeEnvFiles, loadExampleEnv } from "../support/env.js";
import {
  aliasVariable,
  listenUntilSignal,
  intSetting,
  portSetting,
  runExample,
  say,
} from "../support/startup.js";
import { buildRestaurantApp } from "./app.js";
import { AssignmentEngine } from "./engine.js";

runExample(async () => {
  for (const line of describeEnvFiles(loadExampleEnv())) say(line);
  const env = process.env;
  // The seed's only variable: "QUEUE_REDIS_URL=redis://localhost:6379" in .env.local.
  aliasVariable(env, "QUEUE_REDIS_URL", "REDIS_URL");
  const host = env.HOST?.trim() || "127.0.0.1";
  const port = portSetting(env, "restaurant-booking");
  const latencyMs = intSetting(env, "ASSIGNMENT_LATENCY_MS", 0, { min: 0, max: 60_000, unit: "ms" });
  const settings = {
    maxConcurrentAssignments: intSetting(env, "MAX_CONCURRENT_ASSIGNMENTS", 5, { max: 10_000 }),
    breakerThreshold: intSetting(env, "BREAKER_THRESHOLD", 5, { max: 10_000 }),
    breakerOpenMs: intSetting(env, "BREAKER_OPEN_MS", 10_000, { unit: "ms" }),
  };

  const store = await createStore();
  const { app } = await buildRestaurantApp({
    host,
    store,
    engine: new AssignmentEngine(createInventory(store), { latencyMs }),
    ...settings,
    logLevel: env.HOLDFAST_LOG_LEVEL ?? "info",
  });
  const url = await listenUntilSignal(app, () => store.close(), { app: "restaurant-booking", port, host });
  app.log.info(
    { store: store.kind },
    `Restaurant booking (V3 assignment pipeline) on ${url}: the booking page at ${url}/, POST ${url}/api/bookings`,
  );
});
