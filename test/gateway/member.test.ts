/**
 * The seam between a member's catch-up (a history read on the store's command connection) and live
 * delivery (the hub's subscription, on another connection): each message reaches the client once,
 * whichever of its two copies arrives first.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { WebSocket } from "ws";
import type { IncomingMessage } from "node:http";
import { MemoryStore } from "../../src/store/memory/memory-store.js";
import { createChannels } from "../../src/channel/channels.js";
import { ChannelMember, Connection } from "../../src/gateway/connection.js";
import { Hub } from "../../src/gateway/hub.js";

describe("a gateway member catching up with `since`", () => {
  const store = new MemoryStore();
  const channels = createChannels(store, { defaults: { mode: "durable", maxLen: 1000, maxAgeMs: 60_000 } });
  afterAll(async () => {
    await channels.close();
    await store.close();
  });

  function member(): { m: ChannelMember; sent: string[] } {
    const sent: string[] = [];
    const ws = { bufferedAmount: 0, send: (t: string) => sent.push(t) } as unknown as WebSocket;
    const conn = new Connection(
      ws,
      {} as IncomingMessage,
      null,
      { maxBufferedBytes: 1 << 20, maxCatchUpBuffer: 100 },
      () => {},
    );
    // A hub that is not subscribed: the test hands the member its live copies itself.
    const hub = {
      channel: "feed",
      messageFrame: (id: string | null, json: string) => `${id}:${json}`,
    } as unknown as Hub;
    return { m: new ChannelMember(conn, hub), sent };
  }

  it("drops a live copy of a message the history read already sent, even after going live", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await channels.publish("feed", i)).id!);
    const { m, sent } = member();
    m.catching = true;
    // The live copy of message 2 arrives during the catch-up, that of message 3 only after it.
    m.deliver(ids[2], `${ids[2]}:2`);
    await m.catchUp(channels, ids[0], () => {});
    expect(m.catching).toBe(false);
    m.deliver(ids[3], `${ids[3]}:3`);
    const next = (await channels.publish("feed", 4)).id!;
    m.deliver(next, `${next}:4`);
    expect(sent).toEqual([`${ids[1]}:1`, `${ids[2]}:2`, `${ids[3]}:3`, `${next}:4`]);
  });

  it("compares ids unless the hub's previous id is the member's last, live after a catch-up", () => {
    const { m, sent } = member();
    m.deliver("7-0", "a", null);
    m.deliver("7-1", "b", "7-0");
    // A stale copy (a catch-up sent 7-3 already): the hub's previous id is not the member's last.
    m.replay("7-3", "d");
    m.deliver("7-2", "c", "7-1");
    m.deliver("7-3", "d again", "7-2");
    m.deliver("7-4", "e", "7-3");
    m.deliver("7-5", "f", "7-4");
    expect(sent).toEqual(["a", "b", "d", "e", "f"]);
  });

  it("still sends ephemeral messages (no id) and every newer message", () => {
    const { m, sent } = member();
    m.deliver(null, "a");
    m.deliver("5-0", "b");
    m.deliver(null, "c");
    m.deliver("5-1", "d");
    m.deliver("5-0", "b again");
    expect(sent).toEqual(["a", "b", "c", "d"]);
  });
});
