import { describe, expect, inject, it } from "vitest";
import { expectStoreFailures, onPrivateRedis } from "../support/faults.js";
import { createWaitingRoom } from "../../src/waiting-room/index.js";

const hasRedis = inject("redisPort") !== null;

describe.runIf(hasRedis)("waiting room against a Redis that goes away", () => {
  const fault = onPrivateRedis();

  it("fails closed with a typed store error within the timeout, then works after a restart", async () => {
    const { redis, store } = fault;
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
    // position calls made together share one script run: every one of them gets the store's error.
    results.push(...(await Promise.allSettled(["a", "b", "c", "d"].map((u) => wr.position("sale", u)))));
    expect(Date.now() - started).toBeLessThan(2000);
    // Never a guess such as "not admitted" or "position 1": a typed store error.
    expectStoreFailures(results);
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
