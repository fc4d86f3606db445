import { readFileSync } from "node:fs";
import type { ConnectionOptions as TlsOptions } from "node:tls";
import { InvalidArgumentError } from "../../errors/invalid-argument-error.js";

export interface HostPort {
  host: string;
  port: number;
}

/** How to reach Redis. Built from the environment by {@link redisConfigFromEnv} or passed explicitly. */
export interface RedisConnectionConfig {
  /** `redis://[user:password@]host[:port][/db]`, or `rediss://` for TLS. */
  url?: string;
  host?: string;
  /** @defaultValue 6379 */
  port?: number;
  username?: string;
  password?: string;
  /** Database index (standalone and Sentinel only). @defaultValue 0 */
  db?: number;
  /** `true` for TLS with default options, or Node TLS options (ca, cert, rejectUnauthorized…). */
  tls?: boolean | TlsOptions;
  /** Sentinel addresses; set with {@link sentinelName}. */
  sentinels?: HostPort[];
  /** The master group name Sentinel watches. @defaultValue "mymaster" */
  sentinelName?: string;
  /** Password of the Sentinels themselves, when they need one. */
  sentinelPassword?: string;
  /** Seed nodes of a Redis Cluster. */
  clusterNodes?: HostPort[];
}

/** Parses `host:port,host:port` (IPv6 as `[::1]:7000`). */
export function parseHostList(field: string, value: string): HostPort[] {
  const list = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((item) => {
      const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(item) ?? /^([^:]+)$/.exec(item);
      if (!m) throw new InvalidArgumentError(field, `"${item}" is not host:port`);
      const port = m[2] === undefined ? 6379 : Number(m[2]);
      if (!Number.isInteger(port) || port < 1 || port > 65535) {
        throw new InvalidArgumentError(field, `"${item}" has an invalid port`);
      }
      return { host: m[1], port };
    });
  if (list.length === 0) throw new InvalidArgumentError(field, "names no host:port");
  return list;
}

function truthy(v: string | undefined): boolean {
  return v !== undefined && /^(1|true|yes|on)$/i.test(v.trim());
}

function intFromEnv(field: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined || v.trim() === "") return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new InvalidArgumentError(field, `must be an integer between ${min} and ${max}, got "${v}"`);
  }
  return n;
}

/**
 * Reads Redis settings from the environment the way the seeds' users already write them, or
 * returns `undefined` when none is set (the caller then uses the memory store).
 *
 * In order of precedence: `REDIS_CLUSTER_NODES`; `REDIS_SENTINELS` + `REDIS_SENTINEL_NAME`;
 * `REDIS_URL`; `REDIS_HOST`/`REDIS_PORT`. `REDIS_USERNAME`, `REDIS_PASSWORD`, `REDIS_DB` and
 * `REDIS_TLS` apply to all of them and override what the URL says. `REDIS_TLS_CA_FILE` names a CA
 * bundle; `REDIS_TLS_REJECT_UNAUTHORIZED=false` accepts self-signed certificates (tests only).
 */
export function redisConfigFromEnv(env: NodeJS.ProcessEnv = process.env): RedisConnectionConfig | undefined {
  const cfg: RedisConnectionConfig = {};
  if (env.REDIS_CLUSTER_NODES?.trim()) {
    cfg.clusterNodes = parseHostList("REDIS_CLUSTER_NODES", env.REDIS_CLUSTER_NODES);
  } else if (env.REDIS_SENTINELS?.trim()) {
    cfg.sentinels = parseHostList("REDIS_SENTINELS", env.REDIS_SENTINELS);
    cfg.sentinelName = env.REDIS_SENTINEL_NAME?.trim() || "mymaster";
    if (env.REDIS_SENTINEL_PASSWORD) cfg.sentinelPassword = env.REDIS_SENTINEL_PASSWORD;
  } else if (env.REDIS_URL?.trim()) {
    cfg.url = env.REDIS_URL.trim();
    if (!/^rediss?:\/\//.test(cfg.url)) {
      throw new InvalidArgumentError("REDIS_URL", `must start with redis:// or rediss://, got "${cfg.url}"`);
    }
  } else if (env.REDIS_HOST?.trim() || env.REDIS_PORT?.trim()) {
    cfg.host = env.REDIS_HOST?.trim() || "127.0.0.1";
    cfg.port = intFromEnv("REDIS_PORT", env.REDIS_PORT, 1, 65535) ?? 6379;
  } else {
    return undefined;
  }
  if (env.REDIS_USERNAME) cfg.username = env.REDIS_USERNAME;
  if (env.REDIS_PASSWORD) cfg.password = env.REDIS_PASSWORD;
  const db = intFromEnv("REDIS_DB", env.REDIS_DB, 0, 10_000);
  if (db !== undefined) cfg.db = db;
  const tlsWanted = truthy(env.REDIS_TLS) || env.REDIS_TLS_CA_FILE !== undefined;
  if (tlsWanted || cfg.url?.startsWith("rediss://")) {
    const tls: TlsOptions = {};
    if (env.REDIS_TLS_CA_FILE) tls.ca = readFileSync(env.REDIS_TLS_CA_FILE);
    if (env.REDIS_TLS_REJECT_UNAUTHORIZED !== undefined && !truthy(env.REDIS_TLS_REJECT_UNAUTHORIZED)) {
      tls.rejectUnauthorized = false;
    }
    cfg.tls = tls;
  }
  return cfg;
}

/** The config with secrets masked, for logs and `holdfast doctor`. */
export function describeRedisConfig(cfg: RedisConnectionConfig): string {
  if (cfg.clusterNodes) return `cluster ${cfg.clusterNodes.map((n) => `${n.host}:${n.port}`).join(",")}`;
  if (cfg.sentinels) {
    return `sentinel ${cfg.sentinelName} via ${cfg.sentinels.map((n) => `${n.host}:${n.port}`).join(",")}`;
  }
  if (cfg.url)
    return cfg.url.replace(
      /\/\/([^@/]*)@/,
      (_m, auth: string) => `//${auth.includes(":") ? auth.split(":")[0] + ":***" : "***"}@`,
    );
  return `redis://${cfg.host ?? "127.0.0.1"}:${cfg.port ?? 6379}/${cfg.db ?? 0}`;
}
