/**
 * Starts seed 004's appointment lock service on Holdfast.
 *   npm run example:appointments            (memory store)
 *   REDIS_HOST=localhost REDIS_PORT=6379 npm run example:appointments   (Redis, as the seed's .env)
 * `.env.local` and `.env` in the working directory are read first (the environment wins, then
 * `.env.local`): the seed's "Create `.env` file" works as written. Environment: PORT (4000), HOST
 * (127.0.0.1), LOCK_TTL (120000 ms), LOCK_REFRESH_INTERVAL (30000 ms), ADMIN_TOKEN (admin routes),
 * REDIS_CONNECT_TIMEOUT (5000 ms), and the Redis variables of docs/stores.md (REDIS_HOST, REDIS_PORT,
 * REDIS_PASSWORD, REDIS_DB…). REDIS_MAX_RETRY_PER_REQUEST is not supported: see README.md "Configuration".
 */
import { createStore } from "holdfast";
import { describeEnvFiles, loadExampleEnv } from "../support/env.js";
import {
  listenUntilSignal,
  intSetting,
  portSetting,
  runExample,
  say,
  warnUnsupported,
  type UnsupportedVariable,
} from "../support/startup.js";
import { buildAppointmentApp } from "./app.js";

/** Seed 004's variables this app does not honour, and why (README.md "Configuration"). */
const UNSUPPORTED: readonly UnsupportedVariable[] = [
  {
    name: "REDIS_MAX_RETRY_PER_REQUEST",
    why:
      "Holdfast never sends a command twice behind your back (a lock acquire or a booking resent after " +
      "a lost reply could be applied twice). While Redis is unreachable a call waits for the reconnect " +
      "at most 2 s, then answers 503 lock_service_unavailable with Retry-After (never a lock or a booking Redis did not confirm).",
  },
];

runExample(async () => {
  for (const line of describeEnvFiles(loadExampleEnv())) say(line);
  const env = process.env;
  warnUnsupported(env, UNSUPPORTED);
  const host = env.HOST?.trim() || "127.0.0.1";
  const port = portSetting(env, "appointment-locks");
  const lockTtlMs = intSetting(env, "LOCK_TTL", 120_000, { unit: "ms" });
  const refreshIntervalMs = intSetting(env, "LOCK_REFRESH_INTERVAL", 30_000, { unit: "ms" });
  const connectTimeoutMs = intSetting(env, "REDIS_CONNECT_TIMEOUT", 5000, { unit: "ms" });

  const store = await createStore({ connectTimeoutMs });
  const app = await buildAppointmentApp({
    host,
    store,
    lockTtlMs,
    refreshIntervalMs,
    adminToken: env.ADMIN_TOKEN || undefined,
    logLevel: env.HOLDFAST_LOG_LEVEL ?? "info",
  });
  const url = await listenUntilSignal(app, () => store.close(), { app: "appointment-locks", port, host });
  app.log.info(
    { store: store.kind, lockTtlMs },
    `Appointment slot locks on ${url} (open ${url}/ in a browser)`,
  );
});
