/**
 * The fenced-register lock workload: every client loops acquire → a few fenced writes to a
 * {@link FencedRegister} → release, on one key, with a short TTL, so that faults (a paused
 * process, a failover, a restart) land while leases are held.
 */
import type { Locks } from "holdfast";
import { FencedRegister, FenceWatch } from "./fenced-register.js";
import { Tally, sleep } from "./tally.js";

export interface LockWorkloadOptions {
  key: string;
  /** Lease length in ms. @defaultValue 1000 */
  ttlMs?: number;
  /** How long an acquire waits for a held lock, in ms. @defaultValue 200 */
  waitMs?: number;
  /** Fenced writes per lease. @defaultValue 3 */
  writesPerLease?: number;
  /** Pause between two writes of one lease, in ms. @defaultValue 5 */
  writeGapMs?: number;
}

const DOCUMENTED = new Set(["HOLDFAST_LOCK_CONFLICT", "HOLDFAST_LOCK_NOT_OWNED"]);

export class LockWorkload {
  readonly register = new FencedRegister();
  readonly fences = new FenceWatch();
  readonly tally = new Tally(DOCUMENTED);
  acquired = 0;
  /** Writes of a paused holder after it resumed ({@link pauseNextHolder}), and how many were refused. */
  lateWrites = 0;
  lateRefused = 0;
  /** `performance.now()` when the last successful acquire was sent. */
  lastAcquireSentAt = 0;
  /** `performance.now()` of every lease granted, in order (outages are the gaps). */
  readonly acquiredTimes: number[] = [];
  private running = false;
  private pause: { ms: number; done: () => void } | undefined;
  private loops: Promise<void>[] = [];
  private readonly o: Required<LockWorkloadOptions>;

  /** One loop per `Locks` (give each its own store, i.e. its own connection, to act as clients). */
  constructor(
    private readonly clients: readonly Locks[],
    options: LockWorkloadOptions,
  ) {
    this.o = { ttlMs: 1000, waitMs: 200, writesPerLease: 3, writeGapMs: 5, ...options };
  }

  start(): void {
    this.running = true;
    this.loops = this.clients.map((locks, i) => this.loop(locks, i));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /**
   * The next client to get a lease stops for `ms` before its writes, as a process paused by GC or
   * a stalled event loop (the memory store lives in one process, so it cannot be SIGSTOPped
   * alone). Resolves once that client resumed.
   */
  pauseNextHolder(ms: number): Promise<void> {
    return new Promise((done) => (this.pause = { ms, done }));
  }

  private async loop(locks: Locks, client: number): Promise<void> {
    while (this.running) {
      const floor = this.fences.sent();
      const sentAt = performance.now();
      let lease;
      try {
        lease = await locks.acquire(this.o.key, { ttlMs: this.o.ttlMs, waitMs: this.o.waitMs });
      } catch (e) {
        if (this.tally.error(e) !== "HOLDFAST_LOCK_CONFLICT") await sleep(10);
        continue;
      }
      this.tally.ok();
      this.acquired++;
      this.lastAcquireSentAt = Math.max(this.lastAcquireSentAt, sentAt);
      this.acquiredTimes.push(performance.now());
      this.fences.answered(floor, lease.fence);
      const pause = this.pause;
      if (pause) {
        this.pause = undefined;
        await sleep(pause.ms);
        pause.done();
      }
      for (let w = 0; w < this.o.writesPerLease && this.running; w++) {
        const accepted = this.register.write(lease.fence, lease.token, { client, w });
        if (pause) {
          this.lateWrites++;
          if (!accepted) this.lateRefused++;
        }
        await sleep(this.o.writeGapMs);
      }
      try {
        await locks.release(lease);
        this.tally.ok();
      } catch (e) {
        this.tally.error(e); // not owned (expired meanwhile) or a store failure: the TTL ends it
      }
    }
  }
}
