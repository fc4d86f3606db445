/**
 * createStore reports what waiting cannot cure at once, with Redis' own words and the fix, rather
 * than "Redis was not ready" after connectTimeoutMs.
 */
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createStore, type CreateStoreOptions } from "../../src/store/create-store.js";
import { fatalConnectError } from "../../src/store/redis/connect-errors.js";
import { StoreUnavailableError } from "../../src/errors/store-errors.js";
import { IOREDIS_MAJORS, ioredisModule } from "../support/ioredis.js";
import { PrivateRedis, freePort } from "../support/redis-server.js";

const hasRedis = inject("redisPort") !== null;
const PASSWORD = "s3cret-pw";

async function failure(
  options: CreateStoreOptions,
): Promise<{ error: StoreUnavailableError; afterMs: number }> {
  const started = Date.now();
  try {
    const store = await createStore({
      type: "redis",
      env: {},
      checkServer: false,
      connectTimeoutMs: 8000,
      ...options,
    });
    await store.close();
  } catch (e) {
    expect(e).toBeInstanceOf(StoreUnavailableError);
    return { error: e as StoreUnavailableError, afterMs: Date.now() - started };
  }
  throw new Error("createStore succeeded");
}

describe.runIf(hasRedis).each(IOREDIS_MAJORS)("createStore's connection errors on ioredis %i", (major) => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await PrivateRedis.start();
    spawnSync("redis-cli", ["-p", String(redis.port), "CONFIG", "SET", "requirepass", PASSWORD]);
  });
  afterAll(async () => redis?.stop());
  const io = { ioredis: ioredisModule(major) };

  it("a wrong password: at once, naming WRONGPASS and the variables to fix, never the password", async () => {
    const { error, afterMs } = await failure({
      ...io,
      redis: { url: `redis://:wrong-pw@127.0.0.1:${redis.port}` },
    });
    expect(afterMs).toBeLessThan(3000);
    expect(error.detail).toMatch(
      new RegExp(`Redis at redis://127.0.0.1:${redis.port}/0 rejected the username or password \\(WRONGPASS`),
    );
    expect(error.fix).toMatch(/REDIS_PASSWORD/);
    expect(error.message).not.toMatch(/wrong-pw/);
  });

  it("no password where one is required: at once, naming NOAUTH", async () => {
    const { error, afterMs } = await failure({ ...io, redis: { host: "127.0.0.1", port: redis.port } });
    expect(afterMs).toBeLessThan(3000);
    expect(error.detail).toMatch(/requires a password and none was given \(NOAUTH/);
    expect(error.fix).toMatch(/REDIS_PASSWORD/);
  });

  it("connection refused: at once, naming the address", async () => {
    const port = await freePort();
    const { error, afterMs } = await failure({ ...io, redis: { host: "127.0.0.1", port } });
    expect(afterMs).toBeLessThan(3000);
    expect(error.detail).toMatch(
      new RegExp(`nothing accepts connections at redis://127.0.0.1:${port}/0 \\(connect ECONNREFUSED`),
    );
    expect(error.fix).toMatch(/Start Redis there, or point REDIS_URL/);
  });

  it("connects with the right password", async () => {
    const store = await createStore({
      ...io,
      type: "redis",
      env: {},
      checkServer: false,
      redis: { host: "127.0.0.1", port: redis.port, password: PASSWORD },
    });
    expect((await store.health()).status).toBe("ok");
    await store.close();
  });
});

describe("fatalConnectError", () => {
  const where = "redis://h:1/0";
  const err = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {});

  it("names the kinds that waiting cannot cure", () => {
    expect(fatalConnectError(err("NOAUTH Authentication required."), where)?.kind).toBe("no-auth");
    expect(fatalConnectError(err("WRONGPASS invalid username-password pair"), where)?.kind).toBe("auth");
    expect(fatalConnectError(err("ERR invalid password"), where)?.kind).toBe("auth");
    expect(
      fatalConnectError(err("NOPERM this user has no permissions to run the 'info' command"), where)?.kind,
    ).toBe("permission");
    expect(fatalConnectError(err("connect ECONNREFUSED 1.2.3.4:1", "ECONNREFUSED"), where)?.kind).toBe(
      "refused",
    );
    expect(fatalConnectError(err("getaddrinfo ENOTFOUND x", "ENOTFOUND"), where)?.kind).toBe("dns");
    expect(
      fatalConnectError(err("self-signed certificate", "DEPTH_ZERO_SELF_SIGNED_CERT"), where)?.kind,
    ).toBe("tls");
    expect(fatalConnectError(err("wrong version number", "ERR_SSL_WRONG_VERSION_NUMBER"), where)?.kind).toBe(
      "tls",
    );
  });

  it("leaves the rest to the retries", () => {
    expect(fatalConnectError(err("connect ETIMEDOUT", "ETIMEDOUT"), where)).toBeUndefined();
    expect(fatalConnectError(err("LOADING Redis is loading the dataset in memory"), where)).toBeUndefined();
    expect(fatalConnectError("not an error", where)).toBeUndefined();
  });
});
