/**
 * A durable subscriber resuming on a history that lost its last messages, as after a failover to
 * a replica that had not received them: it is told (a `history` gap), and gets neither a
 * duplicate of what it saw nor a silent hole. The loss is made with XDEL on a private Redis, then
 * the subscriber's connection is cut so that it resumes.
 */
import { afterEach, describe, expect, inject, it } from "vitest";
import { RedisNode, waitFor } from "../support/topology.js";
import { createStore } from "../../src/store/create-store.js";
import type { Store } from "../../src/store/types.js";
import { createChannels, type Channels } from "../../src/channel/channels.js";
import type { ChannelGap } from "../../src/channel/subscription.js";

const hasRedis = inject("redisPort") !== null;

describe.runIf(hasRedis)("channels whose history lost the last messages", () => {
  let redis: RedisNode | undefined;
  const stores: Store[] = [];
  const sets: Channels[] = [];
  afterEach(async () => {
    await Promise.all(sets.splice(0).map((c) => c.close()));
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await redis?.stop();
  });

  async function setup() {
    redis = await RedisNode.start();
    const mk = async () => {
      const s = await createStore({
        type: "redis",
        redis: { url: redis!.url },
        env: {},
        checkServer: false,
        prefix: "t:",
        commandTimeoutMs: 500,
        reconnectCapMs: 100,
      });
      stores.push(s);
      return s;
    };
    const [pub, sub] = [createChannels(await mk()), createChannels(await mk())];
    sets.push(pub, sub);
    const got: number[] = [];
    const gaps: ChannelGap[] = [];
    await sub.subscribe("feed", (m) => void got.push(m.data as number), {
      mode: "durable",
      onGap: (g) => void gaps.push(g),
    });
    const ids: string[] = [];
    for (const n of [1, 2, 3]) ids.push((await pub.publish("feed", n, { mode: "durable" })).id!);
    await waitFor(() => got.length === 3, 5000, "three messages");
    const stream = stores[0].keys.key("channel", "feed", "log");
    return { pub, got, gaps, ids, stream };
  }

  /** Deletes entries as a failover to a lagging replica would lose them, then cuts the subscriber. */
  async function loseAndCut(stream: string, lost: string[], before?: () => Promise<void>) {
    await redis!.cli("XDEL", stream, ...lost);
    await before?.();
    await redis!.cli("CLIENT", "KILL", "TYPE", "pubsub");
  }

  it("says so when nothing came after, and sends nothing twice", async () => {
    const t = await setup();
    await loseAndCut(t.stream, [t.ids[1], t.ids[2]]);
    await waitFor(() => t.gaps.length > 0, 10_000, "the gap");
    expect(t.gaps[0]).toMatchObject({ reason: "history", lastId: t.ids[2] });
    await t.pub.publish("feed", 4, { mode: "durable" });
    await waitFor(() => t.got.length === 4, 5000, "the next message");
    expect(t.got).toEqual([1, 2, 3, 4]);
  });

  it("says so when newer messages followed the loss, and delivers those once", async () => {
    const t = await setup();
    // Written to the history only (as a publish on the new master while the subscriber was still
    // switching over): its last id is gone, a newer one exists.
    await loseAndCut(t.stream, [t.ids[2]], async () => {
      await redis!.cli("XADD", t.stream, "*", "d", "4");
    });
    await waitFor(() => t.got.length === 4 && t.gaps.length > 0, 10_000, "the gap and the next message");
    await t.pub.publish("feed", 5, { mode: "durable" });
    await waitFor(() => t.got.length === 5, 5000, "a live message after the resume");
    expect(t.got).toEqual([1, 2, 3, 4, 5]);
    expect(t.gaps.map((g) => g.reason)).toEqual(["history"]);
  });
});
