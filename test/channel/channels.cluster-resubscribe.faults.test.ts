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
import type { Cluster } from "ioredis";
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

describe.runIf(hasRedis)("a channel whose slot moves while a node does not answer, on Cluster", () => {
  let cluster: ReplicatedCluster | undefined;
  const proxies = new Map<number, TcpProxy>();
  let client: Cluster | undefined;
  let store: Store | undefined;
  let channels: Channels | undefined;
  const logger = warningsLogger();

  beforeAll(async () => {
    cluster = await ReplicatedCluster.start({ masters: 3, replicas: 0 });
    for (const n of cluster.nodes) proxies.set(n.port, await TcpProxy.start([n.port]));
    const natMap = Object.fromEntries(
      [...proxies].map(([port, proxy]) => [`127.0.0.1:${port}`, { host: "127.0.0.1", port: proxy.port }]),
    );
    client = newClusterClient(
      [...proxies.values()].map((p) => ({ host: "127.0.0.1", port: p.port })),
      {
        natMap,
        enableOfflineQueue: false,
        retryDelayOnFailover: 0,
        redisOptions: { maxRetriesPerRequest: 0, connectTimeout: 500, commandTimeout: 1000 },
      },
    );
    client.on("error", () => undefined);
    store = await createStore({ type: "redis", client, env: {}, prefix: "resub:", checkServer: false });
    channels = createChannels(store, { defaults: { mode: "durable" }, subscribeTimeoutMs: 300, logger });
  }, 60_000);
  afterAll(async () => {
    await channels?.close();
    await store?.close();
    client?.disconnect();
    for (const p of proxies.values()) await p.close();
    await cluster?.stop();
  });

  /** Subscribes `name`, publishes 1 and waits for it; returns what arrives and the gaps. */
  async function subscribed(name: string) {
    const got: number[] = [];
    const gaps: ChannelGap[] = [];
    await channels!.subscribe(name, (m) => void got.push((m.data as { n: number }).n), {
      onGap: (g) => void gaps.push(g),
    });
    await channels!.publish(name, { n: 1 });
    await waitFor(() => got.length === 1, 5000, "the first message");
    const slot = calculateSlot(store!.keys.key("channel", name, "live"));
    const owner = await cluster!.ownerOf(slot);
    const other = (await cluster!.view()).find((v) => v.role === "master" && v.id !== owner.id)!;
    return { got, gaps, slot, owner: owner.port, other: other.port };
  }

  /** Publishes `n` on `name` as soon as the cluster takes it. */
  async function publishWhenPossible(name: string, n: number): Promise<void> {
    await waitFor(
      async () => {
        try {
          await channels!.publish(name, { n });
          return true;
        } catch {
          return false;
        }
      },
      10_000,
      `a publish of ${n} on ${name}`,
    );
  }

  it("subscribes again on the new master until it answers, then delivers what is published there", async () => {
    const s = await subscribed("feed");
    // The slot moves to a master the clients cannot reach for now.
    proxies.get(s.other)!.setAccepting(false);
    await cluster!.migrateSlot(s.slot, { to: s.other });
    await waitFor(
      () => logger.warnings.some((w) => w.includes("subscribing again on the channel's new node failed")),
      10_000,
      "a failed subscribe on the new master",
    );
    proxies.get(s.other)!.setAccepting(true);
    // Published once the node answers: delivered without another move of the slot.
    await publishWhenPossible("feed", 2);
    await waitFor(() => s.got.includes(2), 4000, "the message published on the new master");
    expect(s.got).toEqual([1, 2]);
    // Its old node answered until the move and the new one was never promoted: no gap.
    expect(s.gaps).toEqual([]);
  }, 60_000);

  it("reports a gap when its old master had stopped answering before the slot moved", async () => {
    // What a crash then a failover (then maybe a migration) look like from the subscriber: its
    // node goes silent, and the slot turns up on another master. Whether acknowledged messages
    // were lost in between cannot be known from there, so the subscriber must be told.
    const s = await subscribed("news");
    const old = proxies.get(s.owner)!;
    old.setAccepting(false);
    old.cut();
    await cluster!.migrateSlot(s.slot, { to: s.other });
    await publishWhenPossible("news", 2);
    await waitFor(() => s.got.includes(2), 10_000, "the message published on the new master");
    old.setAccepting(true);
    expect(s.got).toEqual([1, 2]);
    expect(s.gaps.map((g) => g.reason)).toEqual(["history"]);
  }, 60_000);
});
