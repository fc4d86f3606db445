import type { Cluster, Redis } from "ioredis";
import { getDefaultLogger, type Logger } from "../util/log.js";
import { assertDurationMs } from "../util/validate.js";
import {
  DEFAULT_CONNECTION_TUNING,
  createRedisClient,
  loadIoredis,
  type ConnectionTuning,
  type IoredisModule,
} from "./redis/connect.js";
import { describeRedisConfig, redisConfigFromEnv, type RedisConnectionConfig } from "./redis/config.js";
import { checkRedis, type CheckFinding } from "./redis/check.js";
import { RedisStore } from "./redis/redis-store.js";
import { MemoryStore } from "./memory/memory-store.js";
import type { Store } from "./types.js";

/** Options of {@link createStore}. Explicit options override the environment. */
export interface CreateStoreOptions extends Partial<ConnectionTuning> {
  /**
   * `"memory"` forces the embedded store, `"redis"` requires Redis (an error if none is configured),
   * `"auto"` uses Redis when configured and memory otherwise. @defaultValue "auto"
   */
  type?: "auto" | "memory" | "redis";
  /** How to reach Redis; merged over what the environment says. */
  redis?: RedisConnectionConfig;
  /**
   * An ioredis (5 or 6) client or cluster you already own: used as is, never closed by the store.
   * Its own options stay yours: set `commandTimeout` on it if you want one.
   */
  client?: Redis | Cluster;
  /**
   * The ioredis module the store creates its clients with (when no `client` is given).
   * @defaultValue `await import("ioredis")`: the peer dependency installed beside holdfast
   */
  ioredis?: IoredisModule;
  /**
   * Redis only: use ioredis' private parts where they make operations cheaper, each checked first
   * and replaced by the public API (same commands, same timeouts) when absent; `false` uses the
   * public API only. See `useClientInternals` in docs/stores.md. @defaultValue true
   */
  useClientInternals?: boolean;
  /** Key prefix for every key Holdfast writes. @defaultValue "holdfast:" */
  prefix?: string;
  /**
   * Where log lines go (a pino logger fits). Without one the library stays quiet: JSON lines on
   * stderr, warnings and errors only, unless `HOLDFAST_LOG_LEVEL` says otherwise.
   * @defaultValue the library's default logger (see `getDefaultLogger` in docs/stores.md)
   */
  logger?: Logger;
  /** Environment to read. @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
  /**
   * Check the Redis server's eviction policy, persistence and version once connected and log a
   * warning for each risk (see {@link checkRedis}). @defaultValue true
   */
  checkServer?: boolean;
  /**
   * Redis only: while commands are in flight, send the next ones issued in the same tick together,
   * up to 8 per socket write (`true`), up to this many (a number), or each at once (`false`). Cuts
   * client and server CPU per operation under load; adds no timer and no latency when idle.
   * @defaultValue true
   */
  coalesceWrites?: boolean | number;
  /** Memory store only: the clock in ms (tests move time with it). @defaultValue Date.now */
  clock?: () => number;
  /**
   * Memory store only: the budget of the data it holds, in bytes; past it, writes that add data
   * fail with `StoreFullError` (see `MemoryStoreOptions.maxMemoryBytes`). On Redis, set the
   * server's `maxmemory` (with `noeviction`): the same error is raised when Redis is full.
   * @defaultValue 268_435_456 (256 MiB)
   */
  maxMemoryBytes?: number;
}

/**
 * Creates the store every primitive runs on.
 *
 * With no Redis configured (no `REDIS_URL`, `REDIS_HOST`, `REDIS_SENTINELS`, `REDIS_CLUSTER_NODES`
 * and no `redis`/`client` option) this is the embedded memory store, announced by one log line:
 * single process, not durable. Otherwise it connects to Redis (standalone, Sentinel or Cluster,
 * TLS with `rediss://`), waits until the connection is ready (or fails with
 * `StoreUnavailableError` after `connectTimeoutMs`) and checks the server's configuration.
 *
 * @example
 * const store = await createStore();               // memory, or REDIS_URL when set
 * const store = await createStore({ redis: { url: "redis://10.0.0.5:6379/2" } });
 */
export async function createStore(options: CreateStoreOptions = {}): Promise<Store> {
  const logger = options.logger ?? getDefaultLogger();
  const type = options.type ?? "auto";
  const envConfig = redisConfigFromEnv(options.env ?? process.env);
  const wantsRedis = type === "redis" || (type === "auto" && (options.client || options.redis || envConfig));

  if (!wantsRedis) {
    logger.info(
      { store: "memory" },
      "Holdfast: no Redis configured (set REDIS_URL to use one); using the embedded memory store: single-process and not durable",
    );
    return new MemoryStore({
      prefix: options.prefix,
      clock: options.clock,
      ...(options.maxMemoryBytes !== undefined ? { maxMemoryBytes: options.maxMemoryBytes } : {}),
    });
  }

  /** The option `name`, or its default, checked as a duration. */
  const tuned = (name: keyof ConnectionTuning) =>
    assertDurationMs(name, options[name] ?? DEFAULT_CONNECTION_TUNING[name]);
  const tuning: ConnectionTuning = {
    connectTimeoutMs: tuned("connectTimeoutMs"),
    commandTimeoutMs: tuned("commandTimeoutMs"),
    reconnectBaseMs: tuned("reconnectBaseMs"),
    reconnectCapMs: tuned("reconnectCapMs"),
  };

  let client = options.client;
  let ownsClient = false;
  if (!client) {
    const cfg: RedisConnectionConfig = { ...(envConfig ?? {}), ...(options.redis ?? {}) };
    if (options.redis?.url || options.redis?.host) {
      // An explicit address replaces the environment's topology rather than mixing with it.
      delete cfg.clusterNodes;
      delete cfg.sentinels;
    }
    if (!cfg.url && !cfg.host && !cfg.sentinels && !cfg.clusterNodes) cfg.host = "127.0.0.1";
    if (cfg.url?.startsWith("rediss://") && cfg.tls === undefined) cfg.tls = {};
    client = createRedisClient(cfg, tuning, options.ioredis ?? (await loadIoredis()));
    ownsClient = true;
    client.on("ready", () => logger.info({ redis: describeRedisConfig(cfg) }, "Redis: connected and ready"));
  }

  const store = new RedisStore({
    client,
    ownsClient,
    prefix: options.prefix,
    commandTimeoutMs: tuning.commandTimeoutMs,
    // The clients made here leave command timeouts to the store (see createRedisClient).
    enforceCommandTimeout: ownsClient,
    coalesceWrites: options.coalesceWrites,
    useClientInternals: options.useClientInternals,
    logger,
  });
  try {
    await store.connect(tuning.connectTimeoutMs);
  } catch (e) {
    await store.close();
    throw e;
  }
  if (options.checkServer ?? true) {
    const findings = await checkRedis(store).catch((): CheckFinding[] => []);
    for (const f of findings) {
      if (f.level !== "ok") logger.warn({ check: f.check, fix: f.fix }, `Redis check: ${f.message}`);
    }
  }
  return store;
}
