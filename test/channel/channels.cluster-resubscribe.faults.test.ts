/**
 * On Cluster a channel follows its slot to a new master. If subscribing there fails (the node does
 * not answer within the subscribe timeout, as right after a failover on a loaded machine), the
 * channel must try again until it is subscribed: nothing else would, and its live messages would
 * wait for the slot's next move. The clients reach each node through a TCP proxy (ioredis'
 * `natMap`), so the test can refuse connections to one node while the cluster itself runs on.
 */
import calculateSlot from "cluster-key-slot";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ReplicatedCluster, waitFor } from "../support/topology.js";
import { TcpProxy } from "../../bench/support/tcp-proxy.js";
import { newClusterClient } from "../support/ioredis.js";
import { createStore } from "../../src/store/create-store.js";
import type { Store } from "../../src/store/types.js";
import { createChannels, type Channels } from "../../src/channel/channels.js";
import type { ChannelGap } from "../../src/channel/subscription.js";
import type { Logger } from "../../src/util/log.js";

const hasRedis = inject("redisPort") !== null;

/** A logger that keeps its warnings' messages. */
function warningsLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const ignore = () => undefined;
  return {
    warnings,
    debug: ignore,
    info: ignore,
    error: ignore,
    warn: (_o, msg) => void warnings.push(msg ?? ""),
  };
}

describe.runIf(hasRedis)("a channel whose new master does not answer at first, on Cluster", () => {
  let cluster: ReplicatedCluster | undefined;
  const proxies = new Map<number, TcpProxy>();
  let store: Store | undefined;
  let channels: Channels | undefined;

  beforeAll(async () => {
    cluster = await ReplicatedCluster.start({ masters: 3, replicas: 0 });
    for (const n of cluster.nodes) proxies.set(n.port, await TcpProxy.start([n.port]));
  }, 60_000);
  afterAll(async () => {
    await channels?.close();
    await store?.close();
    for (const p of proxies.values()) await p.close();
    await cluster?.stop();
  });

  it("subscribes again until the node answers, then delivers what is published there", async () => {
    const c = cluster!;
    const natMap = Object.fromEntries(
      [...proxies].map(([port, proxy]) => [`127.0.0.1:${port}`, { host: "127.0.0.1", port: proxy.port }]),
    );
    const client = newClusterClient([{ host: "127.0.0.1", port: proxies.get(c.nodes[0].port)!.port }], {
      natMap,
      enableOfflineQueue: false,
      retryDelayOnFailover: 0,
      redisOptions: { maxRetriesPerRequest: 0, connectTimeout: 500, commandTimeout: 1000 },
    });
    client.on("error", () => undefined);
    store = await createStore({ type: "redis", client, env: {}, prefix: "resub:", checkServer: false });
    const logger = warningsLogger();
    channels = createChannels(store, { defaults: { mode: "durable" }, subscribeTimeoutMs: 300, logger });

    const got: number[] = [];
    const gaps: ChannelGap[] = [];
    await channels.subscribe("feed", (m) => void got.push((m.data as { n: number }).n), {
      onGap: (g) => void gaps.push(g),
    });
    await channels.publish("feed", { n: 1 });
    await waitFor(() => got.length === 1, 5000, "the first message");

    // The slot moves to a master the clients cannot reach for now.
    const slot = calculateSlot(store.keys.key("channel", "feed", "live"));
    const owner = await c.ownerOf(slot);
    const target = (await c.view()).find((v) => v.role === "master" && v.id !== owner.id)!;
    proxies.get(target.port)!.setAccepting(false);
    await c.migrateSlot(slot, { to: target.port });
    await waitFor(
      () => logger.warnings.some((w) => w.includes("subscribing again on the channel's new node failed")),
      10_000,
      "a failed subscribe on the new master",
    );
    proxies.get(target.port)!.setAccepting(true);

    // Published once the node answers: delivered live, without another move of the slot.
    await waitFor(
      async () => {
        try {
          await channels!.publish("feed", { n: 2 });
          return true;
        } catch {
          return false;
        }
      },
      10_000,
      "a publish on the new master",
    );
    await waitFor(() => got.includes(2), 4000, "the message published on the new master");
    expect(got).toEqual([1, 2]);
    // Its previous node's ids were known and the new one is an unrelated master: no gap.
    expect(gaps).toEqual([]);
  }, 60_000);
});
