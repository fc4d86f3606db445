import { describe, expect, it } from "vitest";
import { redisConfigFromEnv, describeRedisConfig } from "../../src/store/redis/config.js";
import { createStore } from "../../src/store/create-store.js";
import { InvalidArgumentError } from "../../src/errors/invalid-argument-error.js";

describe("redisConfigFromEnv", () => {
  it("returns undefined when nothing is configured", () => {
    expect(redisConfigFromEnv({})).toBeUndefined();
  });

  it("reads REDIS_URL with user, password, db and rediss:// TLS", () => {
    const cfg = redisConfigFromEnv({ REDIS_URL: "rediss://app:s3cret@cache.example:6380/2" })!;
    expect(cfg.url).toBe("rediss://app:s3cret@cache.example:6380/2");
    expect(cfg.tls).toEqual({});
    expect(describeRedisConfig(cfg)).toBe("rediss://app:***@cache.example:6380/2");
  });

  it("reads REDIS_HOST/PORT/PASSWORD/USERNAME/DB/TLS", () => {
    expect(
      redisConfigFromEnv({
        REDIS_HOST: "10.0.0.5",
        REDIS_PORT: "6390",
        REDIS_PASSWORD: "pw",
        REDIS_USERNAME: "u",
        REDIS_DB: "3",
        REDIS_TLS: "true",
      }),
    ).toEqual({ host: "10.0.0.5", port: 6390, password: "pw", username: "u", db: 3, tls: {} });
    expect(redisConfigFromEnv({ REDIS_PORT: "6380" })).toEqual({ host: "127.0.0.1", port: 6380 });
  });

  it("reads Sentinel and Cluster settings", () => {
    expect(
      redisConfigFromEnv({ REDIS_SENTINELS: "s1:26379, s2:26380", REDIS_SENTINEL_NAME: "main" }),
    ).toEqual({
      sentinels: [
        { host: "s1", port: 26379 },
        { host: "s2", port: 26380 },
      ],
      sentinelName: "main",
    });
    expect(redisConfigFromEnv({ REDIS_CLUSTER_NODES: "127.0.0.1:7000,[::1]:7001" })!.clusterNodes).toEqual([
      { host: "127.0.0.1", port: 7000 },
      { host: "::1", port: 7001 },
    ]);
  });

  it("rejects malformed values with the variable's name", () => {
    expect(() => redisConfigFromEnv({ REDIS_URL: "localhost:6379" })).toThrow(InvalidArgumentError);
    expect(() => redisConfigFromEnv({ REDIS_PORT: "abc" })).toThrow(/REDIS_PORT/);
    expect(() => redisConfigFromEnv({ REDIS_CLUSTER_NODES: "a:99999" })).toThrow(/REDIS_CLUSTER_NODES/);
    expect(() => redisConfigFromEnv({ REDIS_URL: "redis://x", REDIS_DB: "-1" })).toThrow(/REDIS_DB/);
  });
});

describe("createStore", () => {
  it("uses the memory store when no Redis is configured, and says so once", async () => {
    const lines: string[] = [];
    const logger = {
      debug() {},
      info: (_o: object, m?: string) => lines.push(m ?? ""),
      warn() {},
      error() {},
    };
    const store = await createStore({ env: {}, logger });
    expect(store.kind).toBe("memory");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/memory store: single-process and not durable/);
    await store.close();
  });

  it("refuses bad timeouts", async () => {
    await expect(createStore({ type: "redis", env: {}, commandTimeoutMs: 0 })).rejects.toThrow(
      /commandTimeoutMs/,
    );
  });
});
