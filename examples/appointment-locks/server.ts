/**
 * Starts seed 004's appointment lock service on Holdfast.
 *   npm run example:appointments            (memory store)
 *   REDIS_URL=redis://127.0.0.1:6379 npm run example:appointments
 * Environment: PORT (4000), HOST (127.0.0.1), LOCK_TTL (120000 ms), LOCK_REFRESH_INTERVAL (30000 ms),
 * ADMIN_TOKEN (admin routes), and the Redis variables of docs/stores.md.
 */
import { createStore } from "../../src/store/create-store.js";
import { buildAppointmentApp } from "./app.js";

const intEnv = (name: string, fallback: number): number => {
  const v = process.env[name];
  if (v === undefined || v === "") return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer (ms), got "${v}"`);
  return n;
};

const store = await createStore();
const app = await buildAppointmentApp({
  host: process.env.HOST ?? "127.0.0.1",
  store,
  lockTtlMs: intEnv("LOCK_TTL", 120_000),
  refreshIntervalMs: intEnv("LOCK_REFRESH_INTERVAL", 30_000),
  adminToken: process.env.ADMIN_TOKEN,
  logLevel: process.env.HOLDFAST_LOG_LEVEL ?? "info",
});
const url = await app.listen({ port: intEnv("PORT", 4000), host: process.env.HOST ?? "127.0.0.1" });
app.log.info(`Appointment slot locks on ${url} (open ${url}/ in a browser)`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void app
      .close()
      .then(() => store.close())
      .then(() => process.exit(0));
  });
}
