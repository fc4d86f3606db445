import type { Redis } from "ioredis";
import type { Store } from "../types.js";
import { isCluster, RedisStore } from "./redis-store.js";

/** One result of {@link checkRedis}. */
export interface CheckFinding {
  check: "connection" | "version" | "eviction" | "persistence" | "latency" | "memory";
  level: "ok" | "warn" | "error";
  /** What was found, e.g. `maxmemory-policy is allkeys-lru on 127.0.0.1:6379`. */
  message: string;
  /** What to do about it, when something is wrong. */
  fix?: string;
  /** The node it concerns (`host:port`), for clusters. */
  node?: string;
  /** `memory`: bytes the node uses (`used_memory`). */
  usedBytes?: number;
  /** `memory`: the node's `maxmemory` (0 = no limit). */
  maxBytes?: number;
}

/** Share of `maxmemory` in use past which the memory check warns. */
export const MEMORY_WARN_RATIO = 0.8;

/** Oldest server Holdfast runs on (scripts use ZADD GT/LT, GETDEL, XAUTOCLAIM: 6.2). */
export const MIN_REDIS_VERSION = "6.2.0";
/** Sharded pub/sub (SPUBLISH/SSUBSCRIBE), used by channels on Cluster, needs 7.0. */
export const SHARDED_PUBSUB_VERSION = "7.0.0";

const SAFE_EVICTION = new Set([
  "noeviction",
  "volatile-lru",
  "volatile-lfu",
  "volatile-random",
  "volatile-ttl",
]);

function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

function field(info: string, name: string): string | undefined {
  return new RegExp(`^${name}:(.*)$`, "m").exec(info)?.[1]?.trim();
}

async function configGet(node: Redis, name: string): Promise<string | undefined> {
  try {
    const reply = (await node.config("GET", name)) as string[];
    return reply[1];
  } catch {
    return undefined; // managed services often disable CONFIG
  }
}

async function checkNode(node: Redis): Promise<CheckFinding[]> {
  const where = `${node.options.host ?? "?"}:${node.options.port ?? "?"}`;
  const out: CheckFinding[] = [];
  const info = await node.info();
  const version = field(info, "redis_version") ?? "0.0.0";
  if (compareVersions(version, MIN_REDIS_VERSION) < 0) {
    out.push({
      check: "version",
      level: "error",
      node: where,
      message: `Redis ${version} is older than ${MIN_REDIS_VERSION}, which Holdfast's scripts need`,
      fix: `Upgrade to Redis ${SHARDED_PUBSUB_VERSION} or newer.`,
    });
  } else if (compareVersions(version, SHARDED_PUBSUB_VERSION) < 0) {
    out.push({
      check: "version",
      level: "warn",
      node: where,
      message: `Redis ${version} has no sharded pub/sub; on Cluster, channels fall back to cluster-wide PUBLISH`,
      fix: `Upgrade to Redis ${SHARDED_PUBSUB_VERSION} or newer.`,
    });
  } else {
    out.push({ check: "version", level: "ok", node: where, message: `Redis ${version}` });
  }

  const policy = field(info, "maxmemory_policy") ?? (await configGet(node, "maxmemory-policy"));
  if (policy && !SAFE_EVICTION.has(policy)) {
    out.push({
      check: "eviction",
      level: "warn",
      node: where,
      message: `maxmemory-policy is ${policy}: Redis may evict lock, permit and hold keys under memory pressure, and an evicted lock is a lost lock`,
      fix: "Set maxmemory-policy to noeviction (or a volatile-* policy) on the Redis that Holdfast uses.",
    });
  } else {
    out.push({
      check: "eviction",
      level: "ok",
      node: where,
      message: `maxmemory-policy is ${policy ?? "unknown"}`,
    });
  }

  out.push(memoryFinding(info, where));

  const aof = field(info, "aof_enabled") === "1";
  const save = await configGet(node, "save");
  if (!aof && (save === "" || save === undefined)) {
    out.push({
      check: "persistence",
      level: "warn",
      node: where,
      message: `persistence is off (no AOF${save === undefined ? ", RDB unknown" : ", no RDB snapshots"}): a restart loses every hold, counter and event log`,
      fix: "Enable appendonly yes (appendfsync everysec) for inventory, machines and event logs.",
    });
  } else {
    out.push({
      check: "persistence",
      level: "ok",
      node: where,
      message: aof ? "AOF enabled" : `RDB snapshots (${save})`,
    });
  }
  return out;
}

function memoryFinding(info: string, where: string): CheckFinding {
  const usedBytes = Number(field(info, "used_memory") ?? NaN);
  const maxBytes = Number(field(info, "maxmemory") ?? NaN);
  const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
  if (!Number.isFinite(usedBytes)) {
    return { check: "memory", level: "ok", node: where, message: "memory use not reported" };
  }
  const sizes = { usedBytes, ...(Number.isFinite(maxBytes) ? { maxBytes } : {}) };
  if (!(maxBytes > 0)) {
    return {
      check: "memory",
      level: "ok",
      node: where,
      message: `${mib(usedBytes)} used, no maxmemory`,
      ...sizes,
    };
  }
  const share = usedBytes / maxBytes;
  const message = `${mib(usedBytes)} used of maxmemory ${mib(maxBytes)} (${Math.round(share * 100)}%)`;
  return share >= MEMORY_WARN_RATIO
    ? {
        check: "memory",
        level: "warn",
        node: where,
        message,
        fix: "Raise maxmemory or shorten TTLs and history lengths: at maxmemory with noeviction, writes fail.",
        ...sizes,
      }
    : { check: "memory", level: "ok", node: where, message, ...sizes };
}

/** A round trip slower than this (ms) is worth a warning: every operation is one. */
const SLOW_ROUND_TRIP_MS = 20;
/** Round trips measured at most before calling the distance to Redis slow. */
const ROUND_TRIP_SAMPLES = 5;

/**
 * The latency finding, from the fastest of up to {@link ROUND_TRIP_SAMPLES} round trips: it
 * judges how far Redis is, and one reply delayed by a busy event loop or a GC pause says nothing
 * about that. A fast first round trip settles it at once.
 */
async function latencyFinding(store: RedisStore, firstMs: number): Promise<CheckFinding> {
  let best = firstMs;
  let samples = 1;
  while (best > SLOW_ROUND_TRIP_MS && samples < ROUND_TRIP_SAMPLES) {
    const h = await store.health();
    samples++;
    if (h.status !== "down") best = Math.min(best, h.latencyMs);
  }
  const message = `round trip ${best.toFixed(2)} ms${samples > 1 ? ` (the fastest of ${samples})` : ""}`;
  return best > SLOW_ROUND_TRIP_MS
    ? {
        check: "latency",
        level: "warn",
        message,
        fix: "Run the app close to Redis: every operation is one round trip.",
      }
    : { check: "latency", level: "ok", message };
}

/**
 * Checks the Redis behind `store` for settings that break Holdfast's guarantees: an eviction policy
 * that may drop keys, persistence switched off, a server too old; also measures the round trip
 * (the fastest of up to five when the first is slow).
 * Every master of a cluster is checked. The memory store yields one `ok` finding.
 * This is what `holdfast doctor` prints.
 */
export async function checkRedis(store: Store): Promise<CheckFinding[]> {
  if (!(store instanceof RedisStore)) {
    return [
      { check: "connection", level: "ok", message: "embedded memory store (single-process, not durable)" },
    ];
  }
  const health = await store.health();
  if (health.status === "down") {
    return [
      {
        check: "connection",
        level: "error",
        message: `cannot reach Redis: ${health.error ?? "unknown error"}`,
        fix: "Start Redis or fix REDIS_URL / REDIS_HOST / REDIS_PORT, then run `holdfast doctor` again.",
      },
    ];
  }
  const out: CheckFinding[] = [
    {
      check: "connection",
      level: "ok",
      message: `connected (${health.mode}, Redis ${health.serverVersion})`,
    },
    await latencyFinding(store, health.latencyMs),
  ];
  const nodes = isCluster(store.client) ? store.client.nodes("master") : [store.client];
  for (const node of nodes) out.push(...(await checkNode(node)));
  return out;
}
