import { isStoreFailure } from "../errors/store-errors.js";
import { assertDurationMs } from "../util/validate.js";
import type { Store } from "../store/types.js";
import { EXPIRY_KIND } from "./decode.js";

/** Options of {@link Inventory.startSweeper}. */
export interface InventorySweeperOptions {
  /** Pause between two passes over the items with pending expiries, in ms. @defaultValue 1000 */
  intervalMs?: number;
}

export const DEFAULT_INVENTORY_SWEEPER_OPTIONS: Required<InventorySweeperOptions> = { intervalMs: 1000 };

/**
 * Visits every item that has pending expiries (found with SCAN, never KEYS) and runs its read
 * script, which gives expired units back. Only timeliness depends on it, never correctness.
 */
export class InventorySweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  /** Passes completed, and passes cut short because the store could not answer. */
  passes = 0;
  failedPasses = 0;

  constructor(
    private readonly store: Store,
    options: InventorySweeperOptions,
    private readonly visit: (item: string) => Promise<void>,
  ) {
    const { intervalMs } = { ...DEFAULT_INVENTORY_SWEEPER_OPTIONS, ...options };
    assertDurationMs("intervalMs", intervalMs);
    const tick = () => {
      this.running = this.pass().finally(() => {
        this.running = undefined;
        if (!this.stopped) {
          this.timer = setTimeout(tick, intervalMs);
          this.timer.unref();
        }
      });
    };
    this.timer = setTimeout(tick, intervalMs);
    this.timer.unref();
  }

  /** One pass now (also what the timer runs). */
  async pass(): Promise<void> {
    try {
      for await (const key of this.store.scan(this.store.keys.pattern(EXPIRY_KIND))) {
        if (this.stopped) return;
        const item = this.store.keys.nameOf(EXPIRY_KIND, key);
        if (item !== undefined) await this.visit(item);
      }
      this.passes++;
    } catch (e) {
      // The store is down: the next pass retries; operations themselves fail closed meanwhile.
      if (!isStoreFailure(e)) throw e;
      this.failedPasses++;
    }
  }

  /** Stops the sweeper and waits for a pass in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
