/**
 * `npm run demo:cluster`: three `holdfast serve` processes on a private Redis Cluster (three
 * masters, one replica each), as behind a load balancer, and what they do together, with figures:
 *
 *   1. one lock contended through all three instances (acquire on one, release on another), every
 *      lease writing its fence to a fenced register: one holder at a time, no stale write;
 *   2. a flash sale of 5,000 buyers spread over the three for 200 units (holds of 2 s; 10% walk
 *      away, 10% cancel), with a CLUSTER FAILOVER of the item's master halfway: exactly 200 sold,
 *      none oversold, abandoned holds back in stock and sold to later buyers;
 *   3. a rate limit and a breaker used through all three: one shared state;
 *   4. a WebSocket client behind a TCP proxy, on instance A, receiving what C publishes; A is
 *      killed with -9 halfway, the client reconnects through the proxy to B and resumes.
 *
 * Everything runs on this machine from the `redis-server` binary; nothing is left behind.
 * Knobs: DEMO_BUYERS (5000), DEMO_STOCK (200), DEMO_CONCURRENCY (100), DEMO_HOLD_TTL_MS (2000),
 * DEMO_LOCK_CLIENTS (20), DEMO_LOCK_ROUNDS (50), DEMO_MESSAGES (400), DEMO_FAILOVER (1; 0 = none).
 * Exits 1 if any promise was broken. Uses only the public APIs (HTTP, WebSocket, holdfast/client).
 */
import calculateSlot from "cluster-key-slot";
import { ReplicatedCluster } from "./support/redis-topology.js";
import { ServeFleet } from "./support/serve-fleet.js";
import { TcpProxy } from "./support/tcp-proxy.js";
import { flashSale, lockContention, sharedControls, websocketResume } from "./support/fleet-scenarios.js";

const num = (name: string, fallback: number) => {
  const v = process.env[name];
  const n = v === undefined || v === "" ? fallback : Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${v}"`);
  return n;
};
const BUYERS = num("DEMO_BUYERS", 5000);
const STOCK = num("DEMO_STOCK", 200);
const CONCURRENCY = num("DEMO_CONCURRENCY", 100);
const HOLD_TTL_MS = num("DEMO_HOLD_TTL_MS", 2000);
const LOCK_CLIENTS = num("DEMO_LOCK_CLIENTS", 20);
const LOCK_ROUNDS = num("DEMO_LOCK_ROUNDS", 50);
const MESSAGES = num("DEMO_MESSAGES", 400);
const FAILOVER = num("DEMO_FAILOVER", 1) === 1;

const failures: string[] = [];
function check(ok: boolean, what: string): string {
  if (!ok) failures.push(what);
  return ok ? "ok" : "FAILED";
}
const row = (label: string, value: unknown, verdict = "") =>
  console.log(`  ${label.padEnd(44)} ${String(value).padEnd(34)} ${verdict}`);
const ms = (n: number) => `${n.toFixed(1)} ms`;

async function main(): Promise<void> {
  const t0 = performance.now();
  console.log("Starting a private Redis Cluster (3 masters + 3 replicas) and 3 holdfast serve instances…");
  const cluster = await ReplicatedCluster.start({ masters: 3, replicas: 1, nodeTimeoutMs: 2000 });
  let fleet: ServeFleet | undefined;
  let balancer: TcpProxy | undefined;
  try {
    fleet = await ServeFleet.start(3, { ...cluster.env, HOLDFAST_PREFIX: "demo:" });
    balancer = await TcpProxy.start(fleet.instances.map((s) => s.port));
    console.log(
      `Ready in ${((performance.now() - t0) / 1000).toFixed(1)} s: ` +
        fleet.instances.map((s) => `${s.name} ${s.url}`).join(", ") +
        `; load balancer (TCP) 127.0.0.1:${balancer.port}\n`,
    );

    console.log(`1. One lock, ${LOCK_CLIENTS} clients × ${LOCK_ROUNDS} leases, through all three instances`);
    const lock = await lockContention(fleet.instances, {
      key: "nightly-report",
      clients: LOCK_CLIENTS,
      rounds: LOCK_ROUNDS,
    });
    row("leases granted", lock.leases, check(lock.leases === LOCK_CLIENTS * LOCK_ROUNDS, "all leases"));
    row("leases by instance", JSON.stringify(lock.leasesByInstance));
    row("conflicts (409, tried again)", lock.conflicts);
    row("two holders at once", lock.overlaps, check(lock.overlaps === 0, "lock overlaps"));
    row("fenced writes accepted", lock.writesAccepted);
    row("stale writes accepted", lock.staleAccepted, check(lock.staleAccepted === 0, "stale writes"));
    row("acquire latency p50 / p99", `${ms(lock.acquireP50Ms)} / ${ms(lock.acquireP99Ms)}`);
    row("HTTP statuses", JSON.stringify(lock.statuses));

    const item = "{flash-1}:sneaker";
    console.log(
      `\n2. Flash sale: ${BUYERS} buyers over three instances for ${STOCK} units` +
        (FAILOVER ? ", CLUSTER FAILOVER of the item's master halfway" : ""),
    );
    let failoverMs: number | undefined;
    const failover = FAILOVER
      ? (async () => {
          await new Promise((r) => setTimeout(r, 1500));
          const f0 = performance.now();
          await cluster.failover(calculateSlot("flash-1"));
          failoverMs = performance.now() - f0;
        })()
      : Promise.resolve();
    const sale = await flashSale(fleet.instances, {
      item,
      buyers: BUYERS,
      stock: STOCK,
      concurrency: CONCURRENCY,
      holdTtlMs: HOLD_TTL_MS,
    });
    await failover;
    const f = sale.final;
    row("sold", `${f.sold} of ${STOCK}`, check(f.sold === STOCK, "sold exactly the stock"));
    row("oversold", sale.oversold, check(sale.oversold === 0, "oversold"));
    row(
      "available + held + sold = total",
      `${f.available} + ${f.held} + ${f.sold} = ${f.total}`,
      check(f.available + f.held + f.sold === f.total, "stock invariant"),
    );
    row("held at the end (every hold ended)", f.held, check(f.held === 0, "held at the end"));
    row(
      "holds granted / committed / released",
      `${sale.holdsGranted} / ${sale.committed} / ${sale.released}`,
    );
    row("holds abandoned (expired, units resold)", sale.abandoned);
    row("holds by instance", JSON.stringify(sale.holdsByInstance));
    row("hold statuses", JSON.stringify(sale.holdStatuses));
    row("hold latency p50 / p99", `${ms(sale.holdP50Ms)} / ${ms(sale.holdP99Ms)}`);
    row(
      "sale duration",
      `${(sale.durationMs / 1000).toFixed(1)} s (incl. ${HOLD_TTL_MS} ms for the last holds to expire)`,
    );
    if (failoverMs !== undefined) row("CLUSTER FAILOVER took", ms(failoverMs));

    console.log(
      "\n3. A rate limit (a bucket of 50, refilled one per 1000 s) and a breaker, used through all three instances",
    );
    const controls = await sharedControls(fleet.instances, "partner-api");
    row(
      `allowed of ${controls.attempts} checks`,
      `${controls.allowed} (limited ${controls.limited})`,
      check(controls.allowed === controls.limit, "shared rate limit"),
    );
    row(
      "breaker tripped through A, read through C",
      controls.afterTrip,
      check(controls.afterTrip === "open", "breaker trip"),
    );
    row(
      "reset through B, read through C",
      controls.afterReset,
      check(controls.afterReset === "closed", "breaker reset"),
    );

    console.log(
      `\n4. WebSocket client through the load balancer; ${MESSAGES} messages published through C; its instance killed halfway`,
    );
    const ws = await websocketResume(fleet.instances, balancer, {
      channel: "orders",
      messages: MESSAGES,
      everyMs: 10,
    });
    row(
      "client's instance before / after the kill",
      `${ws.before} / ${ws.after}`,
      check(ws.before !== ws.after, "moved instance"),
    );
    row(
      "published / received",
      `${ws.published} / ${ws.received}`,
      check(ws.missing === 0, "missing messages"),
    );
    row(
      "duplicates / out of order",
      `${ws.duplicates} / ${ws.inOrder ? 0 : "some"}`,
      check(ws.duplicates === 0 && ws.inOrder, "order"),
    );
    row("gap markers", ws.gaps.length, check(ws.gaps.length === 0, "gaps"));
    row("first message after the kill", ms(ws.resumedAfterMs));
    const restart0 = performance.now();
    await fleet.instances.find((s) => !s.running)?.start();
    row("killed instance restarted and healthy in", ms(performance.now() - restart0));
  } finally {
    await balancer?.close();
    await fleet?.stop();
    await cluster.stop();
  }
  console.log(
    failures.length === 0
      ? `\nEvery promise held (${((performance.now() - t0) / 1000).toFixed(1)} s).`
      : `\nBROKEN: ${failures.join(", ")}`,
  );
  if (failures.length > 0) process.exitCode = 1;
}

await main();
