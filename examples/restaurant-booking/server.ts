/**
 * Starts seed 000's restaurant booking pipeline on Holdfast.
 *   npm run example:restaurant                                       (memory store)
 *   REDIS_URL=redis://127.0.0.1:6379 npm run example:restaurant      (Redis: share it between instances)
 * Environment: PORT (3001), HOST (127.0.0.1), MAX_CONCURRENT_ASSIGNMENTS (5), BREAKER_THRESHOLD (5),
 * BREAKER_OPEN_MS (10000), ASSIGNMENT_LATENCY_MS (0: simulated latency of the assignment call),
 * HOLDFAST_LOG_LEVEL (info), and the Redis variables of docs/stores.md.
 */
import { createStore } from "../../src/store/create-store.js";
import { createInventory } from "../../src/inventory/index.js";
import { buildRestaurantApp } from "./app.js";
import { AssignmentEngine } from "./engine.js";

const intEnv = (name: string, fallback: number, min = 1): number => {
  const v = process.env[name];
  if (v === undefined || v === "") return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}, got "${v}"`);
  return n;
};

const store = await createStore();
const { app } = await buildRestaurantApp({
  host: process.env.HOST ?? "127.0.0.1",
  store,
  engine: new AssignmentEngine(createInventory(store), { latencyMs: intEnv("ASSIGNMENT_LATENCY_MS", 0, 0) }),
  maxConcurrentAssignments: intEnv("MAX_CONCURRENT_ASSIGNMENTS", 5),
  breakerThreshold: intEnv("BREAKER_THRESHOLD", 5),
  breakerOpenMs: intEnv("BREAKER_OPEN_MS", 10_000),
  logLevel: process.env.HOLDFAST_LOG_LEVEL ?? "info",
});
const url = await app.listen({ port: intEnv("PORT", 3001), host: process.env.HOST ?? "127.0.0.1" });
app.log.info(`Restaurant booking (V3 assignment pipeline) on ${url}: POST ${url}/api/bookings`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void app
      .close()
      .then(() => store.close())
      .then(() => process.exit(0));
  });
}
