/**
 * Starts seed 003's task router with its live feed on Holdfast.
 *   npm run example:routing                                   (memory store, one process)
 *   REDIS_HOST=127.0.0.1 REDIS_PORT=6379 npm run example:routing  (Redis, as the seed's .env.local
 *                                                             says; REDIS_URL works too)
 * `.env.local` and `.env` in the working directory are read first (the environment wins, then
 * `.env.local`), as the seed's Next.js app did. Environment: PORT (3000: HTTP API and the feed
 * page), WEBSOCKET_PORT (3001: the WebSocket feed; WS_PORT is accepted too), HOST (127.0.0.1, both),
 * FEED_HISTORY (1000 messages kept per channel), HOLDFAST_LOG_LEVEL (info), and the Redis variables
 * of docs/stores.md. See README.md "Configuration".
 */
import { createStore, setDegradationLogger, type Store } from "holdfast";
import { describeEnvFiles, loadExampleEnv } from "../support/env.js";
import {
  aliasVariable,
  explainListenError,
  listenUntilSignal,
  intSetting,
  portSetting,
  runExample,
  say,
} from "../support/startup.js";
import { buildTaskRoutingApp, type TaskRoutingApp } from "./app.js";

runExample(async () => {
  for (const line of describeEnvFiles(loadExampleEnv())) say(line);
  const env = process.env;
  aliasVariable(env, "WS_PORT", "WEBSOCKET_PORT");
  const host = env.HOST?.trim() || "127.0.0.1";
  const port = portSetting(env, "task-routing", "PORT");
  const wsPort = portSetting(env, "task-routing", "WEBSOCKET_PORT");
  const historyMaxLen = intSetting(env, "FEED_HISTORY", 1000, { max: 10_000_000 });

  const store: Store = await createStore();
  let built: TaskRoutingApp;
  try {
    built = await buildTaskRoutingApp({
      host,
      store,
      historyMaxLen,
      wsPort,
      wsHost: host,
      logLevel: env.HOLDFAST_LOG_LEVEL ?? "info",
    });
  } catch (e) {
    await store.close();
    throw await explainListenError(e, {
      app: "task-routing",
      variable: "WEBSOCKET_PORT",
      port: wsPort,
      host,
    });
  }
  const { app } = built;
  setDegradationLogger(app.log);
  const url = await listenUntilSignal(app, () => store.close(), { app: "task-routing", port, host });
  app.log.info(
    { store: store.kind },
    `Task routing on ${url}: POST ${url}/api/routing/test, live feed at ${url}/ and ws://${host}:${built.wsPort}`,
  );
});
