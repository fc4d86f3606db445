import { readFileSync } from "node:fs";
import { InvalidArgumentError } from "../errors/invalid-argument-error.js";
import { LOG_LEVELS, parseLogLevel } from "../util/log.js";

/** Everything `holdfast serve` can be configured with. */
export interface ServeConfig {
  port: number;
  host: string;
  prefix: string;
  logLevel: string;
  corsOrigins: string[] | true;
  keysFile: string;
  shutdownTimeoutMs: number;
  keyCacheMs: number;
  bodyLimit: number;
  maxMemoryBytes: number;
  shutdownDrainMs: number;
  maxChannelsPerTenant: number;
  maxEventSourcesPerTenant: number;
  maxWsConnectionsPerKey: number;
  maxWsConnectionsPerTenant: number;
}

/** One configuration variable: its environment name, config-file field, default and meaning. */
export interface ConfigVariable {
  env: string;
  field: keyof ServeConfig | "redis";
  defaultValue: string;
  description: string;
}

/** The documented table of every variable (also printed by `holdfast serve --help`). */
export const CONFIG_VARIABLES: ConfigVariable[] = [
  { env: "PORT", field: "port", defaultValue: "4000", description: "TCP port (also --port)" },
  {
    env: "HOST",
    field: "host",
    defaultValue: "127.0.0.1",
    description: "Address to bind (also --host); off loopback, API keys are required",
  },
  {
    env: "REDIS_URL",
    field: "redis",
    defaultValue: "(unset: memory store)",
    description:
      "redis:// or rediss:// URL; see also REDIS_HOST, REDIS_PORT, REDIS_USERNAME, REDIS_PASSWORD, REDIS_DB, REDIS_TLS, REDIS_SENTINELS, REDIS_SENTINEL_NAME, REDIS_CLUSTER_NODES",
  },
  {
    env: "HOLDFAST_PREFIX",
    field: "prefix",
    defaultValue: "holdfast:",
    description: "Prefix of every key Holdfast writes",
  },
  {
    env: "HOLDFAST_LOG_LEVEL",
    field: "logLevel",
    defaultValue: "info",
    description: `Log level: ${LOG_LEVELS.join(", ")}`,
  },
  {
    env: "HOLDFAST_CORS_ORIGINS",
    field: "corsOrigins",
    defaultValue: "(none)",
    description: "Comma-separated origins allowed by CORS, or * for any",
  },
  {
    env: "HOLDFAST_KEYS_FILE",
    field: "keysFile",
    defaultValue: ".holdfast/keys.json",
    description: "API keys file, used when the store is the memory store (with Redis, keys live in Redis)",
  },
  {
    env: "HOLDFAST_SHUTDOWN_TIMEOUT_MS",
    field: "shutdownTimeoutMs",
    defaultValue: "10000",
    description: "How long a graceful shutdown waits for in-flight requests",
  },
  {
    env: "HOLDFAST_KEY_CACHE_MS",
    field: "keyCacheMs",
    defaultValue: "5000",
    description: "How long API key records are cached (a revoked key stops working within this)",
  },
  {
    env: "HOLDFAST_BODY_LIMIT",
    field: "bodyLimit",
    defaultValue: "1048576",
    description: "Largest request body in bytes",
  },
  {
    env: "HOLDFAST_MAX_MEMORY_BYTES",
    field: "maxMemoryBytes",
    defaultValue: "268435456",
    description:
      "Memory store only: budget of the data it holds (256 MiB); past it, writes that add data get 507 HOLDFAST_STORE_FULL, reads and releases still work",
  },
  {
    env: "HOLDFAST_SHUTDOWN_DRAIN_MS",
    field: "shutdownDrainMs",
    defaultValue: "0",
    description:
      "On shutdown, how long /readyz answers 503 while requests are still served, before the listener closes (set it to your load balancer's probe interval × failures)",
  },
  {
    env: "HOLDFAST_MAX_CHANNELS_PER_TENANT",
    field: "maxChannelsPerTenant",
    defaultValue: "1000",
    description:
      "Channels one tenant may use (within the channel history age, 24 h); past it, 429 HOLDFAST_QUOTA_EXCEEDED",
  },
  {
    env: "HOLDFAST_MAX_EVENT_SOURCES_PER_TENANT",
    field: "maxEventSourcesPerTenant",
    defaultValue: "1000",
    description: "Event sources one tenant may write to; past it, 429 HOLDFAST_QUOTA_EXCEEDED",
  },
  {
    env: "HOLDFAST_WS_MAX_CONNECTIONS_PER_KEY",
    field: "maxWsConnectionsPerKey",
    defaultValue: "1000",
    description: "Open WebSocket connections per API key (its tokens' sockets included); past it, close 4029",
  },
  {
    env: "HOLDFAST_WS_MAX_CONNECTIONS_PER_TENANT",
    field: "maxWsConnectionsPerTenant",
    defaultValue: "5000",
    description: "Open WebSocket connections per tenant; past it, close 4029",
  },
  {
    env: "HOLDFAST_CONFIG",
    field: "redis",
    defaultValue: "(unset)",
    description:
      "Path of a JSON config file with any of the fields above (port, host, prefix, logLevel, corsOrigins, keysFile, shutdownTimeoutMs, keyCacheMs, bodyLimit, maxMemoryBytes, shutdownDrainMs, maxChannelsPerTenant, maxEventSourcesPerTenant, maxWsConnectionsPerKey, maxWsConnectionsPerTenant); environment wins over the file, flags over both",
  },
];

export const DEFAULT_SERVE_CONFIG: ServeConfig = {
  port: 4000,
  host: "127.0.0.1",
  prefix: "holdfast:",
  logLevel: "info",
  corsOrigins: [],
  keysFile: ".holdfast/keys.json",
  shutdownTimeoutMs: 10_000,
  keyCacheMs: 5000,
  bodyLimit: 1024 * 1024,
  maxMemoryBytes: 256 * 1024 * 1024,
  shutdownDrainMs: 0,
  maxChannelsPerTenant: 1000,
  maxEventSourcesPerTenant: 1000,
  maxWsConnectionsPerKey: 1000,
  maxWsConnectionsPerTenant: 5000,
};

function int(field: string, v: unknown, min: number, max: number): number {
  const n = typeof v === "number" ? v : Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new InvalidArgumentError(
      field,
      `must be an integer between ${min} and ${max}, got ${JSON.stringify(v)}`,
    );
  return n;
}

function origins(v: unknown): string[] | true {
  if (v === true || v === "*") return true;
  if (Array.isArray(v)) return v.map(String);
  return String(v)
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Resolves the configuration: defaults, then the JSON file named by `HOLDFAST_CONFIG`, then the
 * environment, then explicit `flags`. Every value is validated; a bad one names its variable.
 */
export function resolveServeConfig(
  flags: Partial<ServeConfig> = {},
  env: NodeJS.ProcessEnv = process.env,
): ServeConfig {
  const cfg: ServeConfig = { ...DEFAULT_SERVE_CONFIG };
  if (env.HOLDFAST_CONFIG) {
    let file: Record<string, unknown>;
    try {
      file = JSON.parse(readFileSync(env.HOLDFAST_CONFIG, "utf8")) as Record<string, unknown>;
    } catch (e) {
      throw new InvalidArgumentError(
        "HOLDFAST_CONFIG",
        `cannot read ${env.HOLDFAST_CONFIG}: ${(e as Error).message}`,
      );
    }
    apply(cfg, file, (k) => `${env.HOLDFAST_CONFIG}: ${k}`);
  }
  const fromEnv: Record<string, unknown> = {};
  for (const v of CONFIG_VARIABLES) {
    if (v.field !== "redis" && env[v.env] !== undefined && env[v.env] !== "") fromEnv[v.field] = env[v.env];
  }
  apply(cfg, fromEnv, (k) => CONFIG_VARIABLES.find((v) => v.field === k)?.env ?? k);
  apply(cfg, flags as Record<string, unknown>, (k) => `--${k}`);
  return cfg;
}

/** How each setting is read from a flag or an environment variable; `name` is the one the caller used. */
const SETTINGS: { [K in keyof ServeConfig]?: (v: unknown, name: string) => ServeConfig[K] } = {
  port: (v, name) => int(name, v, 0, 65535),
  host: (v) => String(v),
  prefix: (v) => String(v),
  logLevel: (v, name) => parseLogLevel(String(v), name, "info"),
  corsOrigins: (v) => origins(v),
  keysFile: (v) => String(v),
  shutdownTimeoutMs: (v, name) => int(name, v, 0, 600_000),
  keyCacheMs: (v, name) => int(name, v, 0, 3_600_000),
  bodyLimit: (v, name) => int(name, v, 1024, 64 * 1024 * 1024),
  maxMemoryBytes: (v, name) => int(name, v, 1024 * 1024, Number.MAX_SAFE_INTEGER),
  shutdownDrainMs: (v, name) => int(name, v, 0, 600_000),
  maxChannelsPerTenant: (v, name) => int(name, v, 1, 10_000_000),
  maxEventSourcesPerTenant: (v, name) => int(name, v, 1, 10_000_000),
  maxWsConnectionsPerKey: (v, name) => int(name, v, 1, 10_000_000),
  maxWsConnectionsPerTenant: (v, name) => int(name, v, 1, 10_000_000),
};

function apply(cfg: ServeConfig, values: Record<string, unknown>, name: (k: string) => string): void {
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) continue;
    const read = Object.hasOwn(SETTINGS, k) ? SETTINGS[k as keyof typeof SETTINGS] : undefined;
    if (!read) throw new InvalidArgumentError(name(k), "is not a known setting");
    (cfg as unknown as Record<string, unknown>)[k] = read(v, name(k));
  }
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
}
