import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { FastifyInstance } from "fastify";
import { createStore } from "../store/create-store.js";
import { createJsonLogger, type LogLevel } from "../util/log.js";
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

/** Where the service's log lines go: one JSON line (pino's format) per `write`. */
export interface LogStream {
  write(line: string): void;
}

/**
 * Who may call the API, decided once at start: `open-loopback` (no API keys exist, so the API is open
 * to this machine only) or `api-keys` (every call needs a key).
 */
export type AuthMode = "open-loopback" | "api-keys";

/** A running server: its address and a graceful stop. */
export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  url: string;
  authMode: AuthMode;
  /** Stops accepting, drains in-flight requests (up to shutdownTimeoutMs), closes the store. */
  stop(): Promise<void>;
}

/**
 * Starts `holdfast serve`. Without API keys it runs open only on a loopback address and says so
 * loudly; on any other address it refuses to start until a key exists.
 */
export async function startServer(
  config: ServeConfig,
  options: { store?: Store; logStream?: LogStream } = {},
): Promise<RunningServer> {
  const logStream = options.logStream ?? { write: (line: string) => void process.stdout.write(line) };
  // The service logs (the library alone stays quiet): the store's lines go where the requests' go.
  const logger = createJsonLogger({ level: config.logLevel as LogLevel, write: (l) => logStream.write(l) });
  const store = options.store ?? (await createStore({ prefix: config.prefix, logger }));
  const keyStore = keyStoreFor(store, config.keysFile);
  const { app, auth } = await buildApp({
    store,
    keyStore,
    corsOrigins: config.corsOrigins,
    logLevel: config.logLevel,
    bodyLimit: config.bodyLimit,
    keyCacheMs: config.keyCacheMs,
    logStream,
  });
  setDegradationLogger(app.log);
  const authMode: AuthMode = (await auth.hasKeys()) ? "api-keys" : "open-loopback";
  if (authMode === "open-loopback") {
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
  let url: string;
  try {
    url = await app.listen({ port: config.port, host: config.host });
  } catch (e) {
    await app.close();
    if (!options.store) await store.close();
    throw listenError(e, config);
  }
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
  return { app, store, url, authMode, stop };
}

/** What failed to bind, said in terms of the settings that fix it. */
function listenError(e: unknown, config: ServeConfig): Error {
  const code = (e as { code?: string }).code;
  const at = `${config.host}:${config.port}`;
  if (code === "EADDRINUSE") {
    return new Error(`port ${config.port} is taken (something else listens on ${at}); set PORT or --port`, {
      cause: e,
    });
  }
  if (code === "EACCES") {
    return new Error(
      `port ${config.port} needs privileges this process lacks; set PORT or --port to 1024 or above`,
      {
        cause: e,
      },
    );
  }
  if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND") {
    return new Error(`${config.host} is not an address of this machine; set HOST or --host`, { cause: e });
  }
  return e instanceof Error ? e : new Error(String(e));
}
