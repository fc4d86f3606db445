/**
 * The background admitter: every `intervalMs` it lets up to `batch` users of each sale's line in,
 * while the sale has units available and fewer than `maxActive` users hold an admission. It serves
 * the sales this process defined, plus those it finds with SCAN over the inventory items (never
 * KEYS) every `rescanMs`, so a sale defined on another instance is served too. A SCAN walks the
 * whole keyspace (sessions included), which is why it is not done every round. Run the admitter on
 * one instance (or accept that two admitters admit twice as fast).
 */
import type { FastifyBaseLogger } from "fastify";
import type { Inventory } from "../../src/inventory/index.js";
import type { WaitingRoom } from "../../src/waiting-room/index.js";
import type { Store } from "../../src/store/types.js";
import { isStoreFailure } from "../../src/errors/index.js";
import { saleIdOf } from "./replies.js";

export interface AdmitterOptions {
  /** Pause between two rounds, in ms. @defaultValue 1000 */
  intervalMs: number;
  /** Most users admitted per sale and round. @defaultValue 50 */
  batch: number;
  /** Most users of one sale holding an admission at once. @defaultValue 1000 */
  maxActive: number;
  /** How often to look for sales defined elsewhere (SCAN), in ms. @defaultValue 10000 */
  rescanMs: number;
}

export class Admitter {
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private stopped = false;
  private readonly sales = new Set<string>();
  private scannedAt = -Infinity;
  /** Users admitted by this admitter, and rounds cut short because the store was down. */
  admitted = 0;
  failedRounds = 0;

  constructor(
    private readonly store: Store,
    private readonly inventory: Inventory,
    private readonly rooms: WaitingRoom,
    private readonly options: AdmitterOptions,
    private readonly log: FastifyBaseLogger,
  ) {}

  start(): void {
    const tick = () => {
      this.round = this.once()
        .then(() => undefined)
        .catch((e: unknown) => {
          this.failedRounds++;
          if (!isStoreFailure(e)) this.log.error({ err: e }, "admitter round failed");
        })
        .finally(() => {
          this.round = undefined;
          if (!this.stopped) this.timer = setTimeout(tick, this.options.intervalMs).unref();
        });
    };
    this.timer = setTimeout(tick, this.options.intervalMs).unref();
  }

  /** Serves the sale named `name` (an inventory item built by `saleName`) from the next round on. */
  add(name: string): void {
    this.sales.add(name);
  }

  /** One round now, over every sale; returns how many users it admitted. */
  async once(): Promise<number> {
    if (Date.now() - this.scannedAt >= this.options.rescanMs) {
      for await (const key of this.store.scan(this.store.keys.pattern("inv"))) {
        const name = this.store.keys.nameOf("inv", key);
        if (name !== undefined && saleIdOf(name) !== undefined) this.sales.add(name);
      }
      this.scannedAt = Date.now();
    }
    let admitted = 0;
    for (const name of this.sales) {
      const [state, counts] = await Promise.all([this.inventory.get(name), this.rooms.counts(name)]);
      if (state.available === 0 || counts.queued === 0) continue;
      const n = Math.min(this.options.batch, this.options.maxActive - counts.admitted);
      if (n > 0) admitted += (await this.rooms.admit(name, n)).length;
    }
    this.admitted += admitted;
    return admitted;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.round;
  }
}
