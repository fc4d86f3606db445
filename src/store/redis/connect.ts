import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from "ioredis";
import { fullJitterBackoff } from "../../util/backoff.js";
import type { RedisConnectionConfig } from "./config.js";

/**
 * The parts of the `ioredis` module the store creates clients with: its `Redis` and `Cluster`
 * classes. ioredis 5 and 6 both fit; pass `await import("ioredis")` or an aliased copy.
 */
export interface IoredisModule {
  Redis: new (...args: never[]) => Redis;
  Cluster: new (...args: never[]) => Cluster;
}

type RedisCtor = new (options: RedisOptions) => Redis;
type RedisUrlCtor = new (url: string, options: RedisOptions) => Redis;
type ClusterCtor = new (nodes: ClusterNode[], options: ClusterOptions) => Cluster;

/**
 * Loads ioredis, Holdfast's peer dependency, only when a Redis store is made: the memory store and
 * a plain `import "holdfast"` never pay for it.
 */
export async function loadIoredis(): Promise<IoredisModule> {
  try {
    const io = (await import("ioredis")) as unknown as IoredisModule & { default?: IoredisModule };
    return { Redis: io.Redis ?? io.default?.Redis, Cluster: io.Cluster ?? io.default?.Cluster };
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") throw e;
    throw new Error(
      "The Redis store needs ioredis 5 or 6, a peer dependency of holdfast that is not installed: run `npm install ioredis`.",
      { cause: e },
    );
  }
}

/** Timeouts and reconnect pacing, shared by every topology. */
export interface ConnectionTuning {
  /** Give up on a TCP/TLS connect after this many ms. @defaultValue 5000 */
  connectTimeoutMs: number;
  /** Fail a command that got no reply after this many ms. @defaultValue 2000 */
  commandTimeoutMs: number;
  /** First reconnect delay ceiling in ms (full jitter, doubling per attempt). @defaultValue 50 */
  reconnectBaseMs: number;
  /** Largest reconnect delay in ms. @defaultValue 2000 */
  reconnectCapMs: number;
}

export const DEFAULT_CONNECTION_TUNING: ConnectionTuning = {
  connectTimeoutMs: 5000,
  commandTimeoutMs: 2000,
  reconnectBaseMs: 50,
  reconnectCapMs: 2000,
};

/**
 * Options every connection gets. No offline queue (a command sent while disconnected fails at once
 * instead of piling up and flooding Redis on reconnect) and no resending of commands whose reply
 * was lost (a script may have run; running it twice could double-apply it).
 */
function baseOptions(t: ConnectionTuning): RedisOptions {
  return {
    connectTimeout: t.connectTimeoutMs,
    commandTimeout: t.commandTimeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    enableAutoPipelining: false,
    lazyConnect: true,
    connectionName: "holdfast",
    // A master demoted to a replica (by Sentinel, or behind a managed endpoint that moved to the
    // new master) answers every write with READONLY and keeps the connection open: without this
    // the client stays there until something else breaks the connection. Reconnecting finds the
    // current master (through the sentinels, or the endpoint). The refused command is not resent.
    reconnectOnError: (err) => err.message.startsWith("READONLY"),
    retryStrategy: (times) => Math.max(1, fullJitterBackoff(times, t.reconnectBaseMs, t.reconnectCapMs)),
  };
}

/** Creates (but does not connect) an ioredis client for the configured topology, from `io`. */
export function createRedisClient(
  cfg: RedisConnectionConfig,
  tuning: ConnectionTuning,
  io: IoredisModule,
): Redis | Cluster {
  const Redis = io.Redis as unknown as RedisCtor & RedisUrlCtor;
  const Cluster = io.Cluster as unknown as ClusterCtor;
  const base = baseOptions(tuning);
  const auth: RedisOptions = {};
  if (cfg.username !== undefined) auth.username = cfg.username;
  if (cfg.password !== undefined) auth.password = cfg.password;
  const tls = cfg.tls === true ? {} : cfg.tls || undefined;
  if (tls) auth.tls = tls;

  if (cfg.clusterNodes) {
    // A cluster replica answers MOVED, not READONLY; its node connections do not reconnect.
    const { retryStrategy, enableOfflineQueue, reconnectOnError: _readonly, ...redisOptions } = base;
    const options: ClusterOptions = {
      redisOptions: { ...redisOptions, ...auth },
      enableOfflineQueue,
      clusterRetryStrategy: retryStrategy as (times: number) => number,
      lazyConnect: true,
      scaleReads: "master",
      slotsRefreshTimeout: tuning.connectTimeoutMs,
      // ioredis resends, after this delay, every command of a node connection that closed, those
      // already sent included: a script that ran and whose reply was lost would run twice
      // (test/store/no-resend.faults.test.ts). 0 turns that off; the caller gets
      // StoreUnavailableError instead. MOVED, ASK, TRYAGAIN and CLUSTERDOWN are still followed:
      // the server did not run the command.
      retryDelayOnFailover: 0,
    };
    return new Cluster(cfg.clusterNodes, options);
  }
  // One connection: the store enforces the command timeout with one timer per connection
  // (CommandWatchdog) instead of ioredis arming a timer per command.
  const single: RedisOptions = { ...base, commandTimeout: undefined };
  if (cfg.sentinels) {
    return new Redis({
      ...single,
      ...auth,
      sentinels: cfg.sentinels,
      name: cfg.sentinelName ?? "mymaster",
      db: cfg.db ?? 0,
      ...(cfg.sentinelPassword ? { sentinelPassword: cfg.sentinelPassword } : {}),
      ...(tls ? { enableTLSForSentinelMode: true, sentinelTLS: tls } : {}),
    });
  }
  if (cfg.url) {
    // The URL gives host, port, user, password and db; explicit fields override it.
    return new Redis(cfg.url, { ...single, ...auth, ...(cfg.db !== undefined ? { db: cfg.db } : {}) });
  }
  return new Redis({
    ...single,
    ...auth,
    host: cfg.host ?? "127.0.0.1",
    port: cfg.port ?? 6379,
    db: cfg.db ?? 0,
  });
}
