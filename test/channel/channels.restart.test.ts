import { afterEach, describe, expect, inject, it } from "vitest";
import { PrivateRedis } from "../support/redis-server.js";
import { createStore } from "../../src/store/create-store.js";
import type { Store } from "../../src/store/types.js";
import { createChannels, type Channels } from "../../src/channel/channels.js";
import type { ChannelGap, ChannelMessage } from "../../src/channel/subscription.js";

const hasRedis = inject("redisPort") !== null;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Publishes, retrying while the store reconnects (a publish fails loudly, never silently). */
async function publishRetrying(ch: Channels, channel: string, data: unknown): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await ch.publish(channel, data);
      return;
    } catch (e) {
      if (i > 200) throw e;
      await sleep(25);
    }
  }
}

describe.runIf(hasRedis)("channels across a Redis restart", () => {
  let redis: PrivateRedis | undefined;
  const stores: Store[] = [];
  const channelSets: Channels[] = [];
  afterEach(async () => {
    await Promise.all(channelSets.splice(0).map((c) => c.close()));
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await redis?.stop();
  });

  async function setup(args: string[]) {
    redis = await PrivateRedis.start({ args });
    const mk = () =>
      createStore({
        type: "redis",
        redis: { url: redis!.url },
        env: {},
        checkServer: false,
        commandTimeoutMs: 500,
        reconnectCapMs: 100,
      });
    const [subStore, pubStore] = [await mk(), await mk()];
    stores.push(subStore, pubStore);
    const options = { channels: { "task:routing": { mode: "durable" as const, maxLen: 100 } } };
    const subs = createChannels(subStore, options);
    const pubs = createChannels(pubStore, options);
    channelSets.push(subs, pubs);
    const durable: ChannelMessage[] = [];
    const ephemeral: ChannelMessage[] = [];
    const gaps: ChannelGap[] = [];
    await subs.subscribe("task:routing", (m) => void durable.push(m), { onGap: (g) => void gaps.push(g) });
    await subs.subscribe("agent:status", (m) => void ephemeral.push(m), { onGap: (g) => void gaps.push(g) });
    return { subs, pubs, durable, ephemeral, gaps };
  }

  async function restartAndCheck(args: string[]) {
    const t = await setup(args);
    await t.pubs.publish("task:routing", 1);
    await t.pubs.publish("agent:status", "before");
    await until(() => t.durable.length === 1 && t.ephemeral.length === 1, 5000, "first messages");
    await redis!.kill();
    await redis!.start();
    // Published while the subscriber connection may still be reconnecting: the gap.
    await publishRetrying(t.pubs, "task:routing", 2);
    await publishRetrying(t.pubs, "task:routing", 3);
    await until(() => t.durable.length >= 3, 10_000, "the gap to be filled");
    await sleep(100);
    expect(t.durable.map((m) => m.data)).toEqual([1, 2, 3]);
    // The ephemeral subscription came back too (and was told it was disconnected).
    await until(() => t.gaps.some((g) => g.channel === "agent:status"), 10_000, "ephemeral resubscribe");
    await publishRetrying(t.pubs, "agent:status", "after");
    await until(() => t.ephemeral.length === 2, 5000, "ephemeral message after the restart");
    expect(t.ephemeral.map((m) => m.data)).toEqual(["before", "after"]);
    expect(t.gaps.find((g) => g.channel === "agent:status")?.reason).toBe("disconnected");
    return t;
  }

  it("resubscribes and fills the gap from the history when Redis keeps its data (AOF)", async () => {
    const t = await restartAndCheck(["--appendonly", "yes", "--appendfsync", "always"]);
    expect(t.gaps.filter((g) => g.channel === "task:routing")).toEqual([]);
  });

  it("says plainly that the history was lost when Redis restarts empty, and still delivers what follows", async () => {
    const t = await restartAndCheck([]);
    const gap = t.gaps.find((g) => g.channel === "task:routing");
    expect(gap?.reason).toBe("history");
    expect(gap?.lastId).toBe(t.durable[0].id);
  });
});
