/**
 * Local outcome counters behind the two trip strategies. The shared mode's scripts implement the
 * same rules on the server (see `report-3.lua`).
 */
export interface OutcomeCounter {
  success(nowMs: number): void;
  /** Records a failure; true when the breaker should open. */
  failure(nowMs: number): boolean;
  reset(): void;
}

/** Opens after `threshold` failures in a row; any success starts the count again. */
export class ConsecutiveCounter implements OutcomeCounter {
  private failures = 0;
  constructor(private readonly threshold: number) {}
  success(): void {
    this.failures = 0;
  }
  failure(): boolean {
    return ++this.failures >= this.threshold;
  }
  reset(): void {
    this.failures = 0;
  }
}

/**
 * Opens when, over the last `buckets` time buckets of `bucketMs` each, at least `minCalls` calls were
 * counted and the share of failures reached `thresholdPpm` (parts per million, integer maths so
 * that it matches the Lua script exactly).
 */
export class WindowCounter implements OutcomeCounter {
  private readonly index: number[];
  private readonly ok: number[];
  private readonly failed: number[];

  constructor(
    private readonly thresholdPpm: number,
    private readonly minCalls: number,
    private readonly bucketMs: number,
    private readonly buckets: number,
  ) {
    this.index = new Array<number>(buckets).fill(-1);
    this.ok = new Array<number>(buckets).fill(0);
    this.failed = new Array<number>(buckets).fill(0);
  }

  success(nowMs: number): void {
    this.ok[this.slot(nowMs)]++;
  }

  failure(nowMs: number): boolean {
    this.failed[this.slot(nowMs)]++;
    const oldest = Math.floor(nowMs / this.bucketMs) - this.buckets + 1;
    let ok = 0;
    let failed = 0;
    for (let i = 0; i < this.buckets; i++) {
      if (this.index[i] >= oldest) {
        ok += this.ok[i];
        failed += this.failed[i];
      }
    }
    const total = ok + failed;
    return total >= this.minCalls && failed * 1_000_000 >= this.thresholdPpm * total;
  }

  reset(): void {
    this.index.fill(-1);
    this.ok.fill(0);
    this.failed.fill(0);
  }

  private slot(nowMs: number): number {
    const idx = Math.floor(nowMs / this.bucketMs);
    const slot = idx % this.buckets;
    if (this.index[slot] !== idx) {
      this.index[slot] = idx;
      this.ok[slot] = 0;
      this.failed[slot] = 0;
    }
    return slot;
  }
}
