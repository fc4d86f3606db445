/**
 * Three `holdfast serve` processes on the shared private Redis Cluster, each on its own port, as
 * behind a load balancer (a TCP proxy for the WebSocket client). The short version of
 * `npm run demo:cluster`: one lock contended through all three, a flash sale spread over them, a
 * WebSocket client that follows a publish from another instance and resumes after its own is
 * killed, and a rate limit and a breaker shared by all three.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ServeFleet } from "../../bench/support/serve-fleet.js";
import { TcpProxy } from "../../bench/support/tcp-proxy.js";
import {
  flashSale,
  lockContention,
  sharedControls,
  websocketResume,
} from "../../bench/support/fleet-scenarios.js";
import { uniquePrefix } from "../support/stores.js";

const seeds = inject("clusterSeeds");

describe.runIf(seeds !== null)("three holdfast serve instances on one Redis Cluster", () => {
  let fleet: ServeFleet | undefined;
  let balancer: TcpProxy | undefined;

  beforeAll(async () => {
    fleet = await ServeFleet.start(3, {
      REDIS_CLUSTER_NODES: seeds!.map((s) => `${s.host}:${s.port}`).join(","),
      HOLDFAST_PREFIX: uniquePrefix(),
    });
    balancer = await TcpProxy.start(fleet.instances.map((s) => s.port));
  }, 90_000);
  afterAll(async () => {
    await balancer?.close();
    await fleet?.stop();
  });

  it("lets one client at a time hold a lock contended through all three", async () => {
    const r = await lockContention(fleet!.instances, { key: "shared-report", clients: 6, rounds: 8 });
    expect(r.leases).toBe(48);
    expect(r.overlaps).toBe(0);
    expect(r.staleAccepted).toBe(0);
    expect(r.writesAccepted).toBe(96);
    expect(Object.keys(r.leasesByInstance).sort()).toEqual(["A", "B", "C"]);
    expect(Object.keys(r.statuses).filter((s) => !["200", "409"].includes(s))).toEqual([]);
  });

  it("sells exactly the stock to buyers spread over all three, and expired holds come back", async () => {
    const r = await flashSale(fleet!.instances, {
      item: "{sale-1}:sku",
      buyers: 1500,
      stock: 60,
      concurrency: 60,
      holdTtlMs: 1000,
    });
    expect(r.final.sold).toBe(60);
    expect(r.oversold).toBe(0);
    expect(r.final.held).toBe(0);
    expect(r.final.available + r.final.held + r.final.sold).toBe(r.final.total);
    // Some holds were abandoned, yet everything sold: their units came back and were bought.
    expect(r.abandoned + r.released).toBeGreaterThan(0);
    expect(r.committed).toBe(60);
    expect(Object.keys(r.holdStatuses).filter((s) => !["201", "409"].includes(s))).toEqual([]);
  });

  it("shares rate limits and breakers between the instances", async () => {
    const r = await sharedControls(fleet!.instances, "partner-api");
    expect(r.allowed).toBe(r.limit);
    expect(r.limited).toBe(r.attempts - r.limit);
    expect(r.afterTrip).toBe("open");
    expect(r.afterReset).toBe("closed");
  });

  it("delivers to a WebSocket client on A what C publishes, and resumes it on B after A is killed", async () => {
    const r = await websocketResume(fleet!.instances, balancer!, {
      channel: "orders",
      messages: 40,
      everyMs: 10,
    });
    expect(r.before).toBe("A");
    expect(r.after).toBe("B");
    expect(r.missing).toBe(0);
    expect(r.duplicates).toBe(0);
    expect(r.inOrder).toBe(true);
    expect(r.gaps).toEqual([]);
  });
});
