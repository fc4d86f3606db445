import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { FastifyInstance } from "fastify";
import { createStore } from "../store/create-store.js";
import type { Store } from "../store/types.js";
import { setDegradationLogger } from "../observe/degradation.js";
import { buildApp } from "./app.js";
import { isLoopback, type ServeConfig } from "./config.js";
import { FileKeyStore, StoreKeyStore, type KeyStore } from "./auth/key-store.js";

/** Where API keys live for this store: in Redis when the store is Redis, else in the keys file. */
export function keyStoreFor(store: Store, keysFile: string): KeyStore {
  if (store.kind === "redis") return new StoreKeyStore(store);
  mkdirSync(dirname(keysFile), { recursive: true });
  return new FileKeyStore(keysFile);
}

/** A running server: its address and a graceful stop. */
export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  url: string;
  /** Stops accepting, drains in-flight requests (up to shutdownTimeoutMs), closes the store. */
  stop(): Promise<void>;
}

/**
 * Starts `holdfast serve`. Without API keys it runs open only on a loopback address and says so
 * loudly; on any other address it refuses to start until a key exists.
 */
export async function startServer(
  config: ServeConfig,
  options: { store?: Store; checkReplies?: boolean } = {},
): Promise<RunningServer> {
  const store = options.store ?? (await createStore({ prefix: config.prefix }));
  const keyStore = keyStoreFor(store, config.keysFile);
  const { app, auth } = await buildApp({
    store,
    keyStore,
    corsOrigins: config.corsOrigins,
    logLevel: config.logLevel,
    bodyLimit: config.bodyLimit,
    keyCacheMs: config.keyCacheMs,
    checkReplies: options.checkReplies,
  });
  setDegradationLogger(app.log);
  if (!(await auth.hasKeys())) {
    if (!isLoopback(config.host)) {
      if (!options.store) await store.close();
      throw new Error(
        `Refusing to listen on ${config.host} without API keys: anyone who can reach it could take and release every lock. ` +
          `Create one with \`holdfast keys create --role admin\` (keys: ${keyStore.where}), or bind to 127.0.0.1.`,
      );
    }
    app.log.warn(
      { keys: keyStore.where },
      "NO API KEYS CONFIGURED: the API is OPEN to every local process (loopback only). Create one with `holdfast keys create` to require keys.",
    );
  }
  const url = await app.listen({ port: config.port, host: config.host });
  app.log.info(
    { url, store: store.kind, mode: store.mode },
    `Holdfast listening on ${url} (store: ${store.kind}/${store.mode})`,
  );

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      const timer = setTimeout(() => app.server.closeAllConnections(), config.shutdownTimeoutMs);
      timer.unref();
      try {
        await app.close();
      } finally {
        clearTimeout(timer);
        if (!options.store) await store.close();
      }
    })());
  return { app, store, url, stop };
}
