/**
 * "No blind resends" (docs/stores.md), shown on the client itself: a script runs on the server, its
 * reply is lost because the connection breaks while the reply is still being sent, and the caller
 * gets a typed store error. The script must have run exactly once: a client that resends the
 * command (ioredis Cluster does so by default after "Connection is closed.") runs it a second time
 * behind the caller's back.
 */
import { expect, it } from "vitest";
import type { Cluster, Redis } from "ioredis";
import calculateSlot from "cluster-key-slot";
import { describeStores, makeStore } from "../support/stores.js";
import { redisCli, waitFor } from "../support/topology.js";
import type { RedisStore } from "../../src/store/redis/redis-store.js";
import { isStoreFailure } from "../../src/errors/store-errors.js";
import { countBig } from "../fixtures/count-big.js";

/** The connection that serves `key`, and its port. */
function connectionFor(store: RedisStore, key: string): { conn: Redis; port: number } {
  const client = store.client;
  let conn = client as Redis;
  if ("isCluster" in client && client.isCluster) {
    const cluster = client as Cluster;
    const owner = cluster.slots[calculateSlot(key)][0];
    conn = cluster.nodes("master").find((n) => `${n.options.host}:${n.options.port}` === owner)!;
  }
  // The port connected to (a Sentinel client's options name no port of the master).
  return { conn, port: conn.stream.remotePort! };
}

describeStores(
  "a script whose reply was lost",
  ({ store }) => {
    it("ran once: the client does not send it again, the caller gets a store error", async () => {
      const s = store() as RedisStore;
      const key = s.keys.key("once", "lost-reply");
      await s.run(countBig, [key], ["warm-up", 1]); // connections open, script cached
      const { conn, port } = connectionFor(s, key);
      const callId = `call-${Date.now()}`;
      // Stop reading: the server keeps most of the 32 MB reply in its own buffer.
      conn.stream.pause();
      const call = s.run(countBig, [key], [callId, 32 * 1024 * 1024]).then(
        () => "resolved",
        (e: unknown) => (isStoreFailure(e) ? "store failure" : `other: ${String(e)}`),
      );
      await waitFor(
        async () => (await redisCli(port, "HGET", key, callId)) === "1",
        10_000,
        "the script to run",
      );
      const me = (await redisCli(port, "CLIENT", "LIST"))
        .split("\n")
        .find((line) => line.includes(`addr=127.0.0.1:${conn.stream.localPort} `));
      const id = /\bid=(\d+)/.exec(me ?? "")?.[1];
      expect(id).toBeDefined();
      await redisCli(port, "CLIENT", "KILL", "ID", id!);
      conn.stream.resume();
      expect(await call).toBe("store failure");
      // A resend would come within ioredis' retry delays (100 ms): wait well past them.
      await new Promise((r) => setTimeout(r, 1000));
      expect(await redisCli(port, "HGET", key, callId)).toBe("1");
    });
  },
  { targets: ["redis", "sentinel", "cluster"] },
);

describeStores(
  "a script refused before it was written",
  ({ target }) => {
    it("is sent again: a fresh store's first concurrent calls to a node all succeed", async () => {
      // A new Cluster client connects to each node on first use; ioredis refuses the calls that
      // arrive while that connection is still opening ("Connection is closed.", never written).
      const s = (await makeStore(target)) as RedisStore;
      try {
        const keys = ["a", "b", "c"].map((tag) => s.keys.key("fresh", `{${tag}}:n`));
        const calls = keys.flatMap((key) =>
          Array.from({ length: 10 }, (_, i) => s.run(countBig, [key], [`call-${i}`, 1])),
        );
        expect((await Promise.allSettled(calls)).filter((r) => r.status === "rejected")).toEqual([]);
      } finally {
        await s.close();
      }
    });
  },
  { targets: ["cluster"] },
);
