import { afterEach, describe, expect, inject, it } from "vitest";
import { createStore } from "../../src/store/create-store.js";
import type { Store } from "../../src/store/types.js";
import { createGateway, type Gateway } from "../../src/gateway/gateway.js";
import { PrivateRedis } from "../support/redis-server.js";
import { uniquePrefix } from "../support/stores.js";
import { TestClient } from "./client.js";

const port = inject("redisPort");
const seeds = inject("clusterSeeds");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(port !== null)("gateways sharing channels through Redis", () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  async function gatewayOn(store: Store): Promise<Gateway> {
    const g = await createGateway({
      store,
      port: 0,
      channels: { channels: { "task:routing": { mode: "durable", maxLen: 100 } } },
    });
    cleanup.push(() => g.close());
    return g;
  }

  async function client(g: Gateway): Promise<TestClient> {
    const c = await TestClient.connect(`ws://127.0.0.1:${g.port}`);
    cleanup.push(() => c.close());
    return c;
  }

  for (const target of ["redis", "cluster"] as const) {
    it.runIf(target === "redis" || seeds !== null)(
      `delivers a message published on one gateway to subscribers on another [${target}]`,
      async () => {
        const prefix = uniquePrefix();
        const redis = target === "redis" ? { host: "127.0.0.1", port: port! } : { clusterNodes: seeds! };
        const mk = () => createStore({ type: "redis", redis, prefix, env: {}, checkServer: false });
        const [s1, s2] = [await mk(), await mk()];
        cleanup.push(
          () => s1.close(),
          () => s2.close(),
        );
        const [g1, g2] = [await gatewayOn(s1), await gatewayOn(s2)];
        const [a, b, c] = [await client(g1), await client(g2), await client(g2)];
        await a.request({ type: "subscribe", channel: "task:routing", id: 1 });
        await b.request({ type: "subscribe", channel: "task:routing", id: 1 });
        await a.request({ type: "subscribe", channel: "agent:status", id: 2 });
        const ack = await c.request({
          type: "publish",
          channel: "task:routing",
          data: { type: "routing_decision", payload: { n: 1 } },
          id: "p",
        });
        expect(ack.messageId).toMatch(/^\d+-\d+$/);
        await g2.channels.publish("agent:status", { type: "agent_status", payload: { load: 0.5 } });
        for (const x of [a, b]) await x.waitFor(() => x.of("message", "task:routing").length === 1);
        await a.waitFor(() => a.of("message", "agent:status").length === 1);
        expect(a.of("message", "task:routing")[0]).toEqual({
          type: "message",
          channel: "task:routing",
          id: ack.messageId,
          data: { type: "routing_decision", payload: { n: 1 } },
        });
        // Resume on the other gateway from the id seen on the first one.
        await g1.channels.publish("task:routing", 2);
        await a.waitFor(() => a.of("message", "task:routing").length === 2);
        const d = await client(g2);
        const r = await d.request({
          type: "subscribe",
          channel: "task:routing",
          since: ack.messageId,
          id: 9,
        });
        expect(r.recovered).toBe(true);
        await d.waitFor(() => d.of("message").length === 1);
        await sleep(30);
        expect(d.of("message").map((m) => m.data)).toEqual([2]);
      },
    );
  }

  for (const persistent of [true, false]) {
    it(`keeps WebSocket subscriptions across a Redis restart and fills the gap (${persistent ? "AOF" : "no persistence: a gap frame"})`, async () => {
      const redis = await PrivateRedis.start({
        args: persistent ? ["--appendonly", "yes", "--appendfsync", "always"] : [],
      });
      cleanup.push(() => redis.stop());
      const mk = () =>
        createStore({
          type: "redis",
          redis: { url: redis.url },
          env: {},
          checkServer: false,
          commandTimeoutMs: 500,
          reconnectCapMs: 100,
        });
      const [s1, s2] = [await mk(), await mk()];
      cleanup.push(
        () => s1.close(),
        () => s2.close(),
      );
      const g = await gatewayOn(s1);
      const publisher = await gatewayOn(s2);
      const c = await client(g);
      await c.request({ type: "subscribe", channel: "task:routing", id: 1 });
      await publisher.channels.publish("task:routing", 1);
      await c.waitFor(() => c.of("message").length === 1);
      await redis.kill();
      await redis.start();
      for (const n of [2, 3]) {
        for (let i = 0; ; i++) {
          try {
            await publisher.channels.publish("task:routing", n);
            break;
          } catch (e) {
            if (i > 200) throw e;
            await sleep(25);
          }
        }
      }
      await c.waitFor(() => c.of("message").length >= 3, 10_000, "the gap to be filled");
      await sleep(100);
      expect(c.of("message").map((m) => m.data)).toEqual([1, 2, 3]);
      if (persistent) expect(c.of("gap")).toEqual([]);
      else
        // firstId is null when the gateway resumed before anything was published after the restart.
        expect(c.of("gap")).toEqual([
          {
            type: "gap",
            channel: "task:routing",
            reason: "history",
            firstId: expect.toSatisfy((v) => v === null || typeof v === "string"),
          },
        ]);
      expect(c.closeCode).toBeUndefined();
    });
  }
});
