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
  private running = false;
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

  private async loop(locks: Locks, client: number): Promise<void> {
    while (this.running) {
      const floor = this.fences.sent();
      let lease;
      try {
        lease = await locks.acquire(this.o.key, { ttlMs: this.o.ttlMs, waitMs: this.o.waitMs });
      } catch (e) {
        if (this.tally.error(e) !== "HOLDFAST_LOCK_CONFLICT") await sleep(10);
        continue;
      }
      this.tally.ok();
      this.acquired++;
      this.fences.answered(floor, lease.fence);
      for (let w = 0; w < this.o.writesPerLease && this.running; w++) {
        this.register.write(lease.fence, lease.token, { client, w });
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
