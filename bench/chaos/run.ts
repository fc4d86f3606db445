/**
 * Runs the chaos workloads on one target while its faults are injected, round after round, and
 * scores the run: operations, faults, stale writes accepted, fence regressions, invariant
 * violations, lost acknowledged holds, scripts run twice, errors by kind, recovery times.
 */
import { randomUUID } from "node:crypto";
import { createInventory, createLocks, createStore, type RedisStore, type Store } from "holdfast";
import { InventoryWorkload, type InventoryVerdict } from "../support/workloads/inventory-workload.js";
import { LockWorkload } from "../support/workloads/lock-workload.js";
import { OnceWorkload } from "../support/workloads/once-workload.js";
import { sleep } from "../support/workloads/tally.js";
import { PausableClient } from "./paused-client.js";
import { ITEM, LOCK_KEY, type FaultContext, type Target } from "./targets.js";

export interface ChaosOptions {
  rounds: number;
  lockTtlMs: number;
  holdTtlMs: number;
  /** Steady work between two faults, in ms. */
  steadyMs: number;
  /** Longest wait for a recovery before it counts as "not recovered", in ms. */
  recoveryTimeoutMs: number;
}

export interface FaultRecord {
  target: string;
  fault: string;
  /**
   * The longest time, from the fault's start until both workloads completed an operation sent
   * after the fault was over, during which a workload had no success (lease granted, hold
   * acknowledged): how long clients could not work. NaN if they did not recover within the bound.
   */
  recoveryMs: number;
  losesHistory: boolean;
  start: number;
  recoveredAt: number;
  /** Acknowledged holds and commits lost, acknowledged from 1 s before the fault to the next one. */
  lost: number;
}

export interface TargetReport {
  target: string;
  operations: number;
  faults: number;
  staleAccepted: number;
  lateWritesRefused: string;
  fenceRegressions: number;
  invariantViolations: number;
  lost: { holds: number; commits: number; holdsAcknowledged: number };
  scriptsRunTwice: number | null;
  typed: Map<string, number>;
  untyped: string[];
  records: FaultRecord[];
  verdict: InventoryVerdict;
}

export async function runTarget(
  target: Target,
  o: ChaosOptions,
  log: (s: string) => void,
): Promise<TargetReport> {
  const prefix = `chaos:${randomUUID().slice(0, 8)}:`;
  const stores: Store[] = [];
  const open = async () => {
    const s = await createStore({
      ...target.store,
      prefix,
      checkServer: false,
      commandTimeoutMs: 500,
      reconnectCapMs: 100,
    });
    stores.push(s);
    return s;
  };
  const isMemory = target.store.type === "memory";
  const shared = isMemory ? await open() : undefined; // one process: one memory store
  const next = async () => shared ?? (await open());
  const lock = new LockWorkload(await Promise.all([1, 2, 3].map(async () => createLocks(await next()))), {
    key: LOCK_KEY,
    ttlMs: o.lockTtlMs,
    waitMs: 200,
  });
  const inventory = new InventoryWorkload(
    await Promise.all([1, 2].map(async () => createInventory(await next()))),
    { item: ITEM, holdTtlMs: o.holdTtlMs },
  );
  const once = isMemory
    ? undefined
    : new OnceWorkload([await open(), await open()], ["chaos-lock", "chaos-sale", "x"], 5);
  const pausable = isMemory
    ? undefined
    : PausableClient.start(
        { ...target.env, HOLDFAST_PREFIX: prefix, CHAOS_KEY: LOCK_KEY, CHAOS_TTL_MS: String(o.lockTtlMs) },
        lock.register,
      );
  const ctx: FaultContext = {
    lock,
    pausable,
    lockTtlMs: o.lockTtlMs,
    restore: () => retry(() => inventory.setup()),
  };
  const records: FaultRecord[] = [];
  try {
    await inventory.setup();
    lock.start();
    inventory.start();
    once?.start();
    await sleep(o.steadyMs);
    for (let round = 1; round <= o.rounds; round++) {
      for (const fault of target.faults) {
        const start = await fault.inject(ctx);
        const recoveredAt = await recovered(performance.now(), lock, inventory, o.recoveryTimeoutMs);
        const recoveryMs = Number.isNaN(recoveredAt)
          ? NaN
          : Math.max(
              longestGap(lock.acquiredTimes, start, recoveredAt),
              longestGap(inventory.heldTimes, start, recoveredAt),
            );
        records.push({
          target: target.name,
          fault: fault.name,
          losesHistory: fault.losesHistory ?? false,
          recoveryMs,
          start,
          recoveredAt,
          lost: 0,
        });
        log(`  ${target.name} · round ${round} · ${fault.name}: recovered in ${fmt(recoveryMs)}`);
        if (Number.isNaN(recoveryMs)) {
          for (const t of [lock.tally, inventory.tally]) {
            for (const [code, m] of t.lastMessage) log(`    last ${code}: ${m.slice(0, 300)}`);
          }
        }
        await fault.settle?.();
        await sleep(o.steadyMs);
      }
    }
    await Promise.all([lock.stop(), inventory.stop(), once?.stop()]);
    const verdict = await inventory.verify(createInventory(stores[stores.length - 1]));
    // A lost write belongs to the first fault after it that loses everything before it (a restart
    // without persistence), else to the last fault that began before it (or within the second
    // after it: acknowledged just before, lost with it). A planned Sentinel failover keeps losing
    // writes after clients "recovered": they write to the demoted master until it is reconfigured.
    for (const w of inventory.lostWrites()) {
      const wiped = records.find((x) => x.losesHistory && x.start >= w.at - 1000);
      const r = wiped ?? [...records].reverse().find((x) => w.at >= x.start - 1000);
      if (r) r.lost++;
    }
    // The counters are read with the store's own ioredis client (RedisStore.client is public).
    const twice = once
      ? (await once.doubleRuns((key) => (stores[0] as RedisStore).client.hgetall(key))).length
      : null;
    const typed = new Map<string, number>();
    for (const t of [lock.tally, inventory.tally, once?.tally]) {
      for (const [code, n] of t?.typed ?? []) typed.set(code, (typed.get(code) ?? 0) + n);
    }
    return {
      target: target.name,
      operations: lock.tally.ops + inventory.tally.ops + (once?.tally.ops ?? 0),
      faults: records.length,
      staleAccepted: lock.register.staleAccepted,
      lateWritesRefused: `${lock.lateRefused + (pausable?.lateRefused ?? 0)}/${lock.lateWrites + (pausable?.lateWrites ?? 0)}`,
      fenceRegressions: lock.fences.regressions,
      invariantViolations:
        inventory.invariantViolations + inventory.oversold + (verdict.sold === verdict.confirmedSold ? 0 : 1),
      lost: {
        holds: verdict.lostHolds,
        commits: verdict.lostCommits,
        holdsAcknowledged: inventory.holds.size,
      },
      scriptsRunTwice: twice,
      typed,
      untyped: [...lock.tally.untyped, ...inventory.tally.untyped, ...(once?.tally.untyped ?? [])],
      records,
      verdict,
    };
  } finally {
    await Promise.all([lock.stop(), inventory.stop(), once?.stop()]);
    await pausable?.stop();
    await Promise.all(stores.map((s) => s.close().catch(() => undefined)));
  }
}

/** Waits until both workloads completed an operation sent after `since`: when, or NaN. */
async function recovered(
  since: number,
  lock: LockWorkload,
  inventory: InventoryWorkload,
  timeoutMs: number,
): Promise<number> {
  const deadline = since + timeoutMs;
  while (performance.now() < deadline) {
    if (lock.lastAcquireSentAt >= since && inventory.lastHoldSentAt >= since) return performance.now();
    await sleep(5);
  }
  return NaN;
}

/** The longest stretch without a success (times in order) between `from` and `to`. */
function longestGap(times: readonly number[], from: number, to: number): number {
  let longest = 0;
  let previous = from;
  // Binary search for the first success after `from`.
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid] <= from) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < times.length && previous < to; i++) {
    longest = Math.max(longest, Math.min(times[i], to) - previous);
    previous = times[i];
  }
  return longest;
}

async function retry(fn: () => Promise<unknown>): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await fn();
      return;
    } catch (e) {
      if (i > 200) throw e;
      await sleep(50);
    }
  }
}

export const fmt = (ms: number) => (Number.isNaN(ms) ? "not recovered" : `${Math.round(ms)} ms`);
