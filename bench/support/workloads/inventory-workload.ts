/**
 * The inventory workload: clients hold one unit, then commit (most), release, or walk away (the
 * hold expires), while a checker reads the item and checks `available + held + sold === total`.
 * Every acknowledged hold is remembered, so after the faults {@link InventoryWorkload.verify} can
 * ask the store about each one and count what a failover lost: holds the store no longer knows,
 * and commits it no longer has.
 */
import type { Hold, Inventory, ItemState } from "holdfast";
import { Tally, sleep } from "./tally.js";

export interface InventoryWorkloadOptions {
  item: string;
  /** Units the item starts with. @defaultValue 1_000_000 (never sold out: holds keep flowing) */
  stock?: number;
  /** Hold TTL in ms. @defaultValue 2000 */
  holdTtlMs?: number;
  /** Between the hold and the commit or release, in ms. @defaultValue 10 */
  thinkMs?: number;
  /** Share of holds committed; `releaseShare` are released, the rest abandoned. @defaultValue 0.6 */
  commitShare?: number;
  /** @defaultValue 0.2 */
  releaseShare?: number;
  /** How often the checker reads the item, in ms. @defaultValue 50 */
  checkEveryMs?: number;
}

const DOCUMENTED = new Set([
  "HOLDFAST_INSUFFICIENT_STOCK",
  "HOLDFAST_ITEM_NOT_FOUND", // after a restart without persistence, until the item is defined again
  "HOLDFAST_HOLD_EXPIRED",
  "HOLDFAST_HOLD_NOT_FOUND",
  "HOLDFAST_HOLD_FINISHED",
]);

type HoldState = "held" | "committed" | "commit-unknown" | "released" | "release-unknown" | "abandoned";

interface HoldRecord {
  hold: Hold;
  state: HoldState;
  /** `performance.now()` when the hold, and its commit, were acknowledged. */
  heldAt: number;
  committedAt?: number;
  /** Set once the store said it does not know the hold, or lost its commit. */
  lost?: "hold" | "commit";
}

/** What {@link InventoryWorkload.verify} found. */
export interface InventoryVerdict {
  /** Acknowledged holds the store later did not know (HoldNotFound before their time ran out). */
  lostHolds: number;
  /** Acknowledged commits the store later did not have. */
  lostCommits: number;
  /** Units sold at the end, and holds known to be committed: equal unless a sale appeared or vanished. */
  sold: number;
  confirmedSold: number;
  /** The final state, after every hold the workload knows of ended. */
  final: ItemState;
}

export class InventoryWorkload {
  readonly tally = new Tally(DOCUMENTED);
  readonly holds = new Map<string, HoldRecord>();
  /** `performance.now()` when the last acknowledged hold was sent. */
  lastHoldSentAt = 0;
  /** `performance.now()` of every acknowledged hold, in order (outages are the gaps). */
  readonly heldTimes: number[] = [];
  invariantChecks = 0;
  invariantViolations = 0;
  oversold = 0;
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly o: Required<InventoryWorkloadOptions>;

  constructor(
    private readonly clients: readonly Inventory[],
    options: InventoryWorkloadOptions,
  ) {
    this.o = {
      stock: 1_000_000,
      holdTtlMs: 2000,
      thinkMs: 10,
      commitShare: 0.6,
      releaseShare: 0.2,
      checkEveryMs: 50,
      ...options,
    };
  }

  get item(): string {
    return this.o.item;
  }

  /** Defines the item (once). */
  async setup(): Promise<void> {
    await this.clients[0].defineItem(this.o.item, { stock: this.o.stock });
  }

  start(): void {
    this.running = true;
    this.loops = [...this.clients.map((inv, i) => this.loop(inv, i)), this.checker(this.clients[0])];
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /** Checks one state read: the invariant, and never more sold than ever existed. */
  check(s: ItemState): void {
    this.invariantChecks++;
    if (s.available + s.held + s.sold !== s.total || s.available < 0 || s.held < 0 || s.sold < 0) {
      this.invariantViolations++;
    }
    if (s.sold > s.total) this.oversold++;
  }

  /**
   * When each lost acknowledged write had been acknowledged (`performance.now()`): the hold for
   * a lost hold, the commit for a lost commit. Complete after {@link verify}.
   */
  lostWrites(): { kind: "hold" | "commit"; at: number }[] {
    const out: { kind: "hold" | "commit"; at: number }[] = [];
    for (const r of this.holds.values()) {
      if (r.lost === "hold") out.push({ kind: "hold", at: r.heldAt });
      else if (r.lost === "commit") out.push({ kind: "commit", at: r.committedAt ?? r.heldAt });
    }
    return out;
  }

  /** Holds acknowledged and later found lost, so far (verify adds what only it can see). */
  get lost(): number {
    let n = 0;
    for (const r of this.holds.values()) if (r.lost) n++;
    return n;
  }

  private async checker(inv: Inventory): Promise<void> {
    while (this.running) {
      try {
        this.check(await inv.get(this.o.item));
      } catch (e) {
        this.tally.error(e);
      }
      await sleep(this.o.checkEveryMs);
    }
  }

  private async loop(inv: Inventory, client: number): Promise<void> {
    let n = 0;
    while (this.running) {
      let hold: Hold;
      const sentAt = performance.now();
      try {
        hold = await inv.hold(this.o.item, { holder: `c${client}-${n++}`, ttlMs: this.o.holdTtlMs });
      } catch (e) {
        this.tally.error(e);
        await sleep(10);
        continue;
      }
      this.tally.ok();
      this.lastHoldSentAt = Math.max(this.lastHoldSentAt, sentAt);
      const heldAt = performance.now();
      this.heldTimes.push(heldAt);
      const record: HoldRecord = { hold, state: "held", heldAt };
      this.holds.set(hold.holdId, record);
      await sleep(this.o.thinkMs);
      const dice = Math.random();
      if (dice < this.o.commitShare) await this.finish(inv, record, "commit");
      else if (dice < this.o.commitShare + this.o.releaseShare) await this.finish(inv, record, "release");
      else record.state = "abandoned";
    }
  }

  private async finish(inv: Inventory, record: HoldRecord, action: "commit" | "release"): Promise<void> {
    try {
      if (action === "commit") await inv.commit(record.hold.holdId);
      else await inv.release(record.hold.holdId);
      this.tally.ok();
      record.state = action === "commit" ? "committed" : "released";
      if (action === "commit") record.committedAt = performance.now();
    } catch (e) {
      const code = this.tally.error(e);
      record.state = action === "commit" ? "commit-unknown" : "release-unknown";
      this.noteLoss(record, code);
    }
  }

  /** A hold the store does not know, or that expired before its time: lost with the data. */
  private noteLoss(record: HoldRecord, code: string | undefined): void {
    if (code === "HOLDFAST_HOLD_NOT_FOUND" || code === "HOLDFAST_ITEM_NOT_FOUND") record.lost = "hold";
    // Same machine, same clock: expired well before expiresAt means the data went back in time.
    if (code === "HOLDFAST_HOLD_EXPIRED" && Date.now() < record.hold.expiresAt - 100) record.lost = "hold";
  }

  /**
   * After the workload stopped and the store is back: asks the store about every acknowledged
   * hold (commit again where a commit was acknowledged or unknown, release otherwise: both are
   * idempotent), then waits out the TTL and reads the final state.
   */
  async verify(inv: Inventory): Promise<InventoryVerdict> {
    let lostCommits = 0;
    let confirmedSold = 0;
    for (const record of this.holds.values()) {
      if (record.lost) continue;
      const id = record.hold.holdId;
      try {
        if (record.state === "committed" || record.state === "commit-unknown") {
          const r = await retrying(() => inv.commit(id));
          confirmedSold++;
          // The acknowledged commit was gone (the hold came back live): this call sold it again.
          if (r.committed && record.state === "committed") {
            lostCommits++;
            record.lost = "commit";
          }
        } else {
          const r = await retrying(() => inv.release(id));
          if (r.outcome === "committed") confirmedSold++;
        }
      } catch (e) {
        const code = this.tally.error(e);
        if (record.state === "committed") {
          lostCommits++;
          record.lost = "commit";
        } else if (code === "HOLDFAST_HOLD_NOT_FOUND" || code === "HOLDFAST_ITEM_NOT_FOUND") {
          record.lost = "hold";
        }
      }
    }
    await sleep(this.o.holdTtlMs + 100);
    const final = await retrying(() => inv.get(this.o.item));
    this.check(final);
    let lostHolds = 0;
    for (const r of this.holds.values()) if (r.lost === "hold") lostHolds++;
    return { lostHolds, lostCommits, sold: final.sold, confirmedSold, final };
  }
}

/** Retries store failures for up to 20 s (the store is expected back); other errors propagate. */
async function retrying<T>(fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      const code = (e as { code?: string }).code;
      const storeFailure = code === "HOLDFAST_STORE_UNAVAILABLE" || code === "HOLDFAST_STORE_TIMEOUT";
      if (!storeFailure || Date.now() > deadline) throw e;
      await sleep(50);
    }
  }
}
