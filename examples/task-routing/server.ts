/**
 * Starts seed 003's task router with its live feed on Holdfast.
 *   npm run example:routing                                   (memory store, one process)
 *   REDIS_URL=redis://127.0.0.1:6379 npm run example:routing  (Redis: run as many instances as you like)
 * Environment: PORT (3000: HTTP API and the feed page), WS_PORT (3001: the WebSocket feed), HOST
 * (127.0.0.1, both), FEED_HISTORY (1000 messages kept per channel), HOLDFAST_LOG_LEVEL (info), and
 * the Redis variables of docs/stores.md.
 */
import { setDegradationLogger } from "../../src/observe/degradation.js";
import { createStore } from "../../src/store/create-store.js";
import { buildTaskRoutingApp } from "./app.js";

const intEnv = (name: string, fallback: number): number => {
  const v = process.env[name];
  if (v === undefined || v === "") return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 10_000_000)
    throw new Error(`${name} must be a positive integer, got "${v}"`);
  return n;
};

const store = await createStore();
const host = process.env.HOST ?? "127.0.0.1";
const { app, wsPort } = await buildTaskRoutingApp({
  host: host,
  store,
  historyMaxLen: intEnv("FEED_HISTORY", 1000),
  wsPort: intEnv("WS_PORT", 3001),
  wsHost: host,
  logLevel: process.env.HOLDFAST_LOG_LEVEL ?? "info",
});
setDegradationLogger(app.log);
const url = await app.listen({ port: intEnv("PORT", 3000), host });
app.log.info(
  `Task routing on ${url}: POST ${url}/api/routing/test, live feed at ${url}/ and ws://${host}:${wsPort}`,
);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void app
      .close()
      .then(() => store.close())
      .then(() => process.exit(0));
  });
}
