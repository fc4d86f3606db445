import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { PrivateRedis } from "../support/redis-server.js";
import { StoreTimeoutError, StoreUnavailableError } from "../../src/errors/store-errors.js";
import type { Store } from "../../src/store/types.js";
import { createWaitingRoom } from "../../src/waiting-room/index.js";
import { faultTestStore } from "../support/stores.js";

const hasRedis = inject("redisPort") !== null;

describe.runIf(hasRedis)("waiting room against a Redis that goes away", () => {
  let redis: PrivateRedis;
  let store: Store;
  beforeAll(async () => {
    redis = await PrivateRedis.start();
    store = await faultTestStore(redis);
  });
  afterAll(async () => {
    await store?.close();
    await redis?.stop();
  });

  it("fails closed with a typed store error within the timeout, then works after a restart", async () => {
    const wr = createWaitingRoom(store);
    await wr.join("sale", "a");
    expect(await wr.admit("sale", 1)).toEqual(["a"]);
    await redis.kill();
    const started = Date.now();
    const calls: (() => Promise<unknown>)[] = [
      () => wr.join("sale", "b"),
      () => wr.position("sale", "a"),
      () => wr.isAdmitted("sale", "a"),
      () => wr.admit("sale", 5),
      () => wr.leave("sale", "a"),
      () => wr.length("sale"),
      () => wr.heartbeat("sale", "b"),
    ];
    const results = await Promise.allSettled(Array.from({ length: 4 }, () => calls.map((c) => c())).flat());
    expect(Date.now() - started).toBeLessThan(2000);
    for (const r of results) {
      expect(r.status).toBe("rejected");
      const err = (r as PromiseRejectedResult).reason;
      // Never a guess such as "not admitted" or "position 1": a typed store error.
      expect(err instanceof StoreUnavailableError || err instanceof StoreTimeoutError).toBe(true);
    }
    await redis.start();
    let joined: unknown;
    for (let i = 0; i < 60 && joined === undefined; i++) {
      try {
        joined = await wr.join("sale", "b");
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    // Persistence is off in this private instance: the room starts empty again.
    expect(joined).toMatchObject({ state: "queued", position: 1, joined: true });
    expect(await wr.admit("sale", 1)).toEqual(["b"]);
  });
});
