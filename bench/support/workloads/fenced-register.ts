/**
 * The resource a lock protects, as docs/locks.md asks resources to behave: it refuses a write whose
 * fence is lower than the highest it has accepted. It also keeps the score a fault test needs:
 *
 * - refused writes: late writes of a lease that had lost the lock (a paused process, a lease that
 *   expired during a failover): fencing doing its job;
 * - **stale writes accepted**: writes the register accepted although another lease had already
 *   written with the same fence. The documented rule (refuse only lower fences) lets those
 *   through, so they happen only if the store ever hands two leases one fence: must be 0.
 */
export class FencedRegister {
  private highest = -Infinity;
  private highestLease: string | undefined;
  accepted = 0;
  refused = 0;
  staleAccepted = 0;
  /** The value last written, to show the register is a real resource. */
  value: unknown;

  /** Writes `value` under `fence` for `lease` (its token); false when refused. */
  write(fence: number, lease: string, value?: unknown): boolean {
    if (!Number.isFinite(fence) || fence < this.highest) {
      this.refused++;
      return false;
    }
    if (fence === this.highest && lease !== this.highestLease) this.staleAccepted++;
    this.highest = fence;
    this.highestLease = lease;
    this.value = value;
    this.accepted++;
    return true;
  }
}

/**
 * Watches the fences one process's acquires return: an acquire sent after another acquire of the
 * same key was answered must get a strictly higher fence, across failovers and restarts.
 */
export class FenceWatch {
  private maxAnswered = -Infinity;
  regressions = 0;

  /** Call just before sending an acquire; pass the result to {@link answered}. */
  sent(): number {
    return this.maxAnswered;
  }

  answered(floorAtSend: number, fence: number): void {
    if (fence <= floorAtSend) this.regressions++;
    if (fence > this.maxAnswered) this.maxAnswered = fence;
  }
}
