/**
 * A master demoted to a replica keeps its clients' connections open and answers every write with
 * READONLY. A managed Redis endpoint (or a virtual IP, here a TCP proxy) moves to the new master on
 * a failover: the store must reconnect to reach it, instead of failing every write until something
 * else breaks the connection (a Sentinel client reconnects through the sentinels the same way).
 */
import { afterEach, describe, expect, inject, it } from "vitest";
import { RedisNode, waitFor } from "../support/topology.js";
import { TcpProxy } from "../../bench/support/tcp-proxy.js";
import { createStore } from "../../src/store/create-store.js";
import { isStoreFailure } from "../../src/errors/store-errors.js";
import { bump } from "../fixtures/bump.js";

const hasRedis = inject("redisPort") !== null;

describe.runIf(hasRedis)("a store whose master was demoted behind its endpoint", () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  it("reconnects on READONLY and writes to the new master", async () => {
    const a = await RedisNode.start();
    cleanup.push(() => a.stop());
    const b = await RedisNode.start();
    cleanup.push(() => b.stop());
    const endpoint = await TcpProxy.start([a.port]);
    cleanup.push(() => endpoint.close());
    const store = await createStore({
      type: "redis",
      redis: { url: `redis://127.0.0.1:${endpoint.port}` },
      env: {},
      prefix: "t:",
      checkServer: false,
      commandTimeoutMs: 500,
      reconnectCapMs: 50,
    });
    cleanup.push(() => store.close());
    const key = store.keys.key("counter", "n");
    await store.run(bump, [key], [1, 60_000]);

    // The failover: b takes over, a follows it, the endpoint now leads to b; open connections stay.
    await b.cli("REPLICAOF", "NO", "ONE");
    await a.cli("REPLICAOF", "127.0.0.1", String(b.port));
    endpoint.retarget([b.port]);

    let refused = 0;
    await waitFor(
      async () => {
        try {
          await store.run(bump, [key], [1, 60_000]);
          return true;
        } catch (e) {
          if (!isStoreFailure(e)) throw e;
          refused++;
          return false;
        }
      },
      10_000,
      "a write to reach the new master",
    );
    expect(await b.cli("EXISTS", key)).toBe("1");
    expect(refused).toBeLessThan(20);
  });
});
