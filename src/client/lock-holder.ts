import { isHoldfastApiError } from "./errors.js";
import type { RemoteLease } from "./locks.js";

/**
 * How a {@link LockHolder} talks to a server. `HoldfastClient.holdLock` builds one over the
 * `/v1/locks` routes; an app with routes of its own (seed 004's `/api/locks/acquire`) supplies its
 * own. Conflicts must reject with a `HoldfastApiError` coded `HOLDFAST_LOCK_CONFLICT` (with
 * `details.remainingTtlMs`), lost leases with `HOLDFAST_LOCK_NOT_OWNED`.
 */
export interface LockTransport {
  acquire(ttlMs: number, metadata?: Record<string, unknown>): Promise<RemoteLease>;
  refresh(token: string, ttlMs: number): Promise<RemoteLease>;
  release(token: string): Promise<void>;
}

/** What a {@link LockHolder} is doing. */
export type HoldState =
  | { status: "idle" }
  | { status: "acquiring" }
  | { status: "held"; lease: RemoteLease }
  | { status: "conflict"; remainingTtlMs: number }
  | { status: "lost"; reason: string }
  | { status: "released" };

/** Options of {@link LockHolder}. */
export interface LockHolderOptions {
  /** Lease length in ms. @defaultValue 120000 (seed 004's LOCK_TTL) */
  ttlMs?: number;
  /** Refresh the lease this often while held, in ms; 0 disables auto-refresh. @defaultValue 30000 */
  refreshEveryMs?: number;
  metadata?: Record<string, unknown>;
}

/**
 * Holds one lock for a UI or a worker: acquire, refresh on a timer, release, and the time left.
 * This is what seed 004's `useLockManager` hook needs. Remaining time is measured from the moment
 * the answer arrived plus the server's `expiresIn`, so a browser whose clock is off still counts
 * down correctly (seed 004's "Lock expired immediately" problem).
 */
export class LockHolder {
  private stateValue: HoldState = { status: "idle" };
  private receivedAt = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly listeners = new Set<(s: HoldState) => void>();
  private readonly ttlMs: number;
  private readonly refreshEveryMs: number;

  constructor(
    private readonly transport: LockTransport,
    private readonly options: LockHolderOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 120_000;
    this.refreshEveryMs = options.refreshEveryMs ?? 30_000;
  }

  get state(): HoldState {
    return this.stateValue;
  }

  /** The owner token while held (seed 004's `lockId`), for the booking request. */
  get lockId(): string | undefined {
    return this.stateValue.status === "held" ? this.stateValue.lease.lockId : undefined;
  }

  /** Subscribes to state changes; returns an unsubscribe function. */
  onChange(listener: (s: HoldState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Acquires the lock. Resolves with the new state: `held` or `conflict` (never throws for a conflict). */
  async acquire(): Promise<HoldState> {
    this.set({ status: "acquiring" });
    try {
      const lease = await this.transport.acquire(this.ttlMs, this.options.metadata);
      this.hold(lease);
    } catch (e) {
      if (isHoldfastApiError(e, "HOLDFAST_LOCK_CONFLICT")) {
        this.set({ status: "conflict", remainingTtlMs: Number(e.details.remainingTtlMs ?? 0) });
      } else {
        this.set({ status: "idle" });
        throw e;
      }
    }
    return this.stateValue;
  }

  /** Extends the lease now (e.g. a "need more time" button). */
  async refresh(): Promise<HoldState> {
    if (this.stateValue.status !== "held") return this.stateValue;
    try {
      this.hold(await this.transport.refresh(this.stateValue.lease.token, this.ttlMs));
    } catch (e) {
      if (isHoldfastApiError(e, "HOLDFAST_LOCK_NOT_OWNED")) this.lose("the lease expired or was taken over");
      else if (this.remainingMs() === 0) this.lose("the lease ran out while the service was unreachable");
      else throw e;
    }
    return this.stateValue;
  }

  /** Releases the lock if held; safe to call twice. */
  async release(): Promise<void> {
    this.stopTimer();
    if (this.stateValue.status !== "held") return;
    const { lease } = this.stateValue;
    this.set({ status: "released" });
    try {
      await this.transport.release(lease.token);
    } catch (e) {
      if (!isHoldfastApiError(e, "HOLDFAST_LOCK_NOT_OWNED")) throw e;
    }
  }

  /** Milliseconds left on the lease (0 when not held). */
  remainingMs(now = Date.now()): number {
    if (this.stateValue.status !== "held") return 0;
    return Math.max(0, this.receivedAt + this.stateValue.lease.expiresIn - now);
  }

  /** The time left as `m:ss` (seed 004's `formatRemainingTime`). */
  formatRemainingTime(now = Date.now()): string {
    const s = Math.ceil(this.remainingMs(now) / 1000);
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  }

  private hold(lease: RemoteLease): void {
    this.receivedAt = Date.now();
    this.set({ status: "held", lease });
    if (this.refreshEveryMs > 0 && !this.timer) {
      this.timer = setInterval(() => {
        this.refresh().catch(() => undefined);
      }, this.refreshEveryMs);
    }
  }

  private lose(reason: string): void {
    this.stopTimer();
    this.set({ status: "lost", reason });
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private set(s: HoldState): void {
    this.stateValue = s;
    for (const l of this.listeners) l(s);
  }
}
