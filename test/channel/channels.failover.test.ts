/**
 * A durable subscriber that was disconnected while its master acknowledged messages the replica
 * never received, and that comes back on that replica once promoted: its last id is still in the
 * history, so only the failover itself can tell it something may be missing. It is told (a
 * `history` gap), never left with a silent hole. The "virtual IP" in front of Redis is a TCP
 * proxy moved from the master to the promoted replica, as a cloud Redis endpoint moves.
 */
import { afterEach, describe, expect, inject, it } from "vitest";
import { RedisNode, waitFor } from "../support/topology.js";
import { TcpProxy } from "../../bench/support/tcp-proxy.js";
import { createStore } from "../../src/store/create-store.js";
import type { Store } from "../../src/store/types.js";
import { createChannels, type Channels } from "../../src/channel/channels.js";
import type { ChannelGap } from "../../src/channel/subscription.js";

const hasRedis = inject("redisPort") !== null;

describe.runIf(hasRedis)("a durable subscriber across a failover that lost messages", () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  it("reports a gap when it resumes on the promoted replica", async () => {
    const master = await RedisNode.start();
    cleanup.push(() => master.stop());
    const replica = await RedisNode.start({ replicaOf: master.port });
    cleanup.push(() => replica.stop());
    await waitFor(
      async () => (await replica.info("replication")).get("master_link_status") === "up",
      10_000,
      "the replica",
    );
    const vip = await TcpProxy.start([master.port]);
    cleanup.push(() => vip.close());
    const open = async (port: number) => {
      const s = await createStore({
        type: "redis",
        redis: { url: `redis://127.0.0.1:${port}` },
        env: {},
        prefix: "t:",
        checkServer: false,
        commandTimeoutMs: 500,
        reconnectCapMs: 50,
      });
      cleanup.push(() => s.close());
      return s;
    };
    const channelsOn = (s: Store): Channels => {
      const c = createChannels(s, { defaults: { mode: "durable" } });
      cleanup.push(() => c.close());
      return c;
    };
    const sub = channelsOn(await open(vip.port));
    const got: number[] = [];
    const gaps: ChannelGap[] = [];
    await sub.subscribe("feed", (m) => void got.push(m.data as number), { onGap: (g) => void gaps.push(g) });
    const onMaster = channelsOn(await open(master.port));
    await onMaster.publish("feed", 1);
    await waitFor(() => got.length === 1, 5000, "the first message");

    // The subscriber loses its connection; the replica stops receiving; the master still acknowledges.
    vip.setAccepting(false);
    vip.cut();
    replica.pause();
    await master.cli("CLIENT", "KILL", "TYPE", "replica");
    await onMaster.publish("feed", 2); // acknowledged, then lost with the master
    await master.kill();
    replica.resume();
    await replica.cli("REPLICAOF", "NO", "ONE");
    vip.retarget([replica.port]);
    vip.setAccepting(true);

    const onReplica = channelsOn(await open(replica.port));
    await onReplica.publish("feed", 3);
    await waitFor(() => got.includes(3), 10_000, "the message published after the failover");
    expect(got).toEqual([1, 3]);
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toMatchObject({ channel: "feed", reason: "history" });
  });
});
