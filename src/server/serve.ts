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
import { decideAuthMode, type AuthMode } from "./auth/authenticator.js";

/** Where API keys live for this store: in Redis when the store is Redis, else in the keys file. */
export function keyStoreFor(store: Store, keysFile: string): KeyStore {
  if (store.kind === "redis") return new StoreKeyStore(store);
  mkdirSync(dirname(keysFile), { recursive: true });
  return new FileKeyStore(keysFile);
}

/**
 * The auth mode for a service about to listen on `host` with these keys, decided as `holdfast
 * serve` decides it: `keys` when an active key exists, `open` on a loopback address without one;
 * off loopback without a key it throws (refusing to start). For apps that embed `buildApp`.
 */
export async function authModeAtStart(keyStore: KeyStore, host = "127.0.0.1"): Promise<AuthMode> {
  const entries = await keyStore.entries();
  const mode = decideAuthMode(entries.filter((k) => k.record && !k.revoked).length, isLoopback(host));
  if (mode === "refuse") throw new Error(refusal(host, keyStore));
  return mode;
}

function refusal(host: string, keyStore: KeyStore): string {
  return (
    `Refusing to listen on ${host} without API keys: anyone who can reach it could take and release every lock. ` +
    `Create one with \`holdfast keys create --role admin\` (keys: ${keyStore.where}), or bind to 127.0.0.1.`
  );
}

/** Where the service's log lines go: one JSON line (pino's format) per `write`. */
export interface LogStream {
  write(line: string): void;
}

/** A running server: its address and a graceful stop. */
export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  url: string;
  /** How the service authenticates, decided at start (`open` only on loopback without keys). */
  authMode: AuthMode;
  /**
   * Answers `/readyz` with 503 at once, keeps serving for `shutdownDrainMs`, then stops accepting,
   * drains in-flight requests (up to shutdownTimeoutMs) and closes the store.
   */
  stop(): Promise<void>;
}

/**
 * Starts `holdfast serve`. Whether it is open is decided here, once: without API keys it runs open
 * only on a loopback address and says so loudly; on any other address it refuses to start until a
 * key exists. A service that starts with keys never opens: when its keys are all revoked or lost it
 * answers 401 to everything, says so in the log and on `/readyz`.
 */
export async function startServer(
  config: ServeConfig,
  options: {
    store?: Store;
    checkReplies?: boolean;
    logStream?: LogStream;
    /** The environment its store is configured from (REDIS_URL…). @defaultValue process.env */
    env?: NodeJS.ProcessEnv;
  } = {},
): Promise<RunningServer> {
  const logStream = options.logStream ?? { write: (line: string) => void process.stdout.write(line) };
  // The service logs (the library alone stays quiet): the store's lines go where the requests' go.
  const logger = createJsonLogger({ level: config.logLevel as LogLevel, write: (l) => logStream.write(l) });
  const store =
    options.store ??
    (await createStore({
      prefix: config.prefix,
      maxMemoryBytes: config.maxMemoryBytes,
      logger,
      env: options.env,
      // A request's command is issued in its own tick, so corking the socket to the end of the tick
      // gathers nothing and costs a cork, a nextTick and a buffered write per command: under
      // bench:http's lock cycles the service spent 186 µs of CPU per cycle without it against 243
      // with it in one run, 184 against 188 in another, and answered more cycles/s in both.
      coalesceWrites: false,
    }));
  const keyStore = keyStoreFor(store, config.keysFile);
  let entries;
  try {
    entries = await keyStore.entries();
  } catch (e) {
    if (!options.store) await store.close();
    throw e;
  }
  const mode = decideAuthMode(entries.filter((k) => k.record && !k.revoked).length, isLoopback(config.host));
  if (mode === "refuse") {
    if (!options.store) await store.close();
    throw new Error(refusal(config.host, keyStore));
  }
  const { app, readiness } = await buildApp({
    store,
    keyStore,
    authMode: mode,
    corsOrigins: config.corsOrigins,
    logLevel: config.logLevel,
    bodyLimit: config.bodyLimit,
    keyCacheMs: config.keyCacheMs,
    checkReplies: options.checkReplies,
    logStream,
    limits: {
      maxChannelsPerTenant: config.maxChannelsPerTenant,
      maxEventSourcesPerTenant: config.maxEventSourcesPerTenant,
      maxWsConnectionsPerKey: config.maxWsConnectionsPerKey,
      maxWsConnectionsPerTenant: config.maxWsConnectionsPerTenant,
    },
  });
  setDegradationLogger(app.log);
  for (const k of entries.filter((e) => e.refused && !e.revoked)) {
    app.log.error(
      { keyId: k.id, reason: k.refused, keys: keyStore.where },
      `API key ${k.id} is refused: ${k.refused}. Create a new key and revoke this one (\`holdfast keys revoke ${k.id}\`).`,
    );
  }
  if (mode === "open") {
    app.log.warn(
      { auth: "open", keys: keyStore.where },
      "NO API KEYS CONFIGURED: the API is OPEN to every local process (loopback only) until a key is created. Create one with `holdfast keys create` to require keys.",
    );
  } else {
    app.log.info(
      { auth: "keys", keys: keyStore.where },
      "API keys required (the service never opens while it runs).",
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
      readiness.startDraining();
      if (config.shutdownDrainMs > 0) await new Promise((r) => setTimeout(r, config.shutdownDrainMs));
      const timer = setTimeout(() => app.server.closeAllConnections(), config.shutdownTimeoutMs);
      timer.unref();
      try {
        await app.close();
      } finally {
        clearTimeout(timer);
        if (!options.store) await store.close();
      }
    })());
  return { app, store, url, authMode: mode, stop };
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
