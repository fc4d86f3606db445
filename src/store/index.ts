export { createStore, type CreateStoreOptions } from "./create-store.js";
export type { ScanPage, Store, StoreHealth, StoreKind, StoreMode } from "./types.js";
export { Keyspace, DEFAULT_PREFIX, SUFFIX_SEPARATOR } from "./keyspace.js";
export { namespacedStore } from "./namespaced-store.js";
export {
  defineScript,
  loadLua,
  type Script,
  type ScriptArg,
  type RawReply,
  type MemoryTwin,
} from "./script.js";
export { MemoryStore, type MemoryStoreOptions } from "./memory/memory-store.js";
export { MemoryDb } from "./memory/memory-db.js";
export { RedisStore, type RedisStoreOptions } from "./redis/redis-store.js";
export {
  redisConfigFromEnv,
  describeRedisConfig,
  type RedisConnectionConfig,
  type HostPort,
} from "./redis/config.js";
export { DEFAULT_CONNECTION_TUNING, type ConnectionTuning } from "./redis/connect.js";
export { checkRedis, type CheckFinding, MIN_REDIS_VERSION } from "./redis/check.js";
export { scanNames, type ScanNamesOptions, type NamesPage } from "./scan-names.js";
