import { isHoldfastApiError } from "./errors.js";
import type { RemoteLease } from "./locks.js";

/** Options of {@link LockTransport.release}. */
export interface ReleaseOptions {
  /**
   * Send the release with `fetch(…, { keepalive: true })`, so it still reaches the server while the
   * page is being unloaded (`pagehide`). A transport that cannot may ignore it.
   */
  keepalive?: boolean;
}

/**
 * How a {@link LockHolder} talks to a server. `HoldfastClient.holdLock` builds one over the
 * `/v1/locks` routes; an app with routes of its own (seed 004's `/api/locks/acquire`) supplies its
 * own. Conflicts must reject with a `HoldfastApiError` coded `HOLDFAST_LOCK_CONFLICT` (with
 * `details.remainingTtlMs`), lost leases with `HOLDFAST_LOCK_NOT_OWNED` (or `HOLDFAST_LOCK_CLOSED`).
 */
export interface LockTransport {
  acquire(ttlMs: number, metadata?: Record<string, unknown>): Promise<RemoteLease>;
  refresh(token: string, ttlMs: number): Promise<RemoteLease>;
  release(token: string, options?: ReleaseOptions): Promise<void>;
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
  /**
   * The clock the countdown is measured on, in ms. Only differences matter, so it should be
   * monotonic: the wall clock (`Date.now`) can be wrong by hours and jump. @defaultValue performance.now
   */
  clock?: () => number;
}

const monotonic = (): number => globalThis.performance.now();

/**
 * Holds one lock for a UI or a worker: acquire, refresh on a timer, release, and the time left.
 * This is what seed 004's `useLockManager` hook needs (and what `holdfast/react`'s `useLock` runs
 * on). The time left is the server's `expiresIn` counted from the moment the request was SENT, on a
 * monotonic clock: never more than the server's own remaining time, whatever the browser's wall
 * clock says or does meanwhile (seed 004's "Lock expired immediately" problem). When it reaches 0
 * without a successful refresh the state becomes `lost`.
 */
export class LockHolder {
  private stateValue: HoldState = { status: "idle" };
  /** The local moment (holder clock) the lease ends, unless refreshed. */
  private deadline = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private expiry: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners = new Set<(s: HoldState) => void>();
  private readonly errorListeners = new Set<(e: unknown) => void>();
  private readonly ttlMs: number;
  private readonly refreshEveryMs: number;
  private readonly now: () => number;

  constructor(
    private readonly transport: LockTransport,
    private readonly options: LockHolderOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 120_000;
    this.refreshEveryMs = options.refreshEveryMs ?? 30_000;
    this.now = options.clock ?? monotonic;
  }

  get state(): HoldState {
    return this.stateValue;
  }

  /** The owner token while held (seed 004's `lockId`), for the booking request. */
  get lockId(): string | undefined {
    return this.stateValue.status === "held" ? this.stateValue.lease.token : undefined;
  }

  /** Subscribes to state changes; returns an unsubscribe function. */
  onChange(listener: (s: HoldState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Subscribes to failures of the background refresh (the service unreachable, a 5xx): the lease
   * is kept as long as its time lasts, and refreshes go on. Returns an unsubscribe function.
   */
  onError(listener: (e: unknown) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  /**
   * Acquires the lock. Resolves with the new state: `held` or `conflict` (never throws for a
   * conflict); already held, it resolves with the current state. A {@link release} while the
   * acquire is in flight wins: the lease is released as soon as it arrives.
   */
  async acquire(): Promise<HoldState> {
    if (this.stateValue.status === "held" || this.stateValue.status === "acquiring") return this.stateValue;
    this.set({ status: "acquiring" });
    const sentAt = this.now();
    let lease: RemoteLease;
    try {
      lease = await this.transport.acquire(this.ttlMs, this.options.metadata);
    } catch (e) {
      if (this.statusNow() !== "acquiring") return this.stateValue;
      if (isHoldfastApiError(e, "HOLDFAST_LOCK_CONFLICT")) {
        this.set({ status: "conflict", remainingTtlMs: Number(e.details.remainingTtlMs ?? 0) });
        return this.stateValue;
      }
      this.set({ status: "idle" });
      throw e;
    }
    if (this.statusNow() !== "acquiring") {
      // Released (or the component unmounted) while the acquire was in flight: give it back.
      this.transport.release(lease.token).catch(() => undefined);
      return this.stateValue;
    }
    this.hold(lease, sentAt);
    return this.stateValue;
  }

  /** Extends the lease now (e.g. a "need more time" button). */
  async refresh(): Promise<HoldState> {
    if (this.stateValue.status !== "held") return this.stateValue;
    const { lease } = this.stateValue;
    const sentAt = this.now();
    try {
      const next = await this.transport.refresh(lease.token, this.ttlMs);
      if (this.stateValue.status === "held" && this.stateValue.lease.token === lease.token) {
        this.hold(next, sentAt);
      }
    } catch (e) {
      if (this.stateValue.status !== "held" || this.stateValue.lease.token !== lease.token) {
        return this.stateValue;
      }
      if (isHoldfastApiError(e, "HOLDFAST_LOCK_NOT_OWNED")) this.lose("the lease expired or was taken over");
      else if (isHoldfastApiError(e, "HOLDFAST_LOCK_CLOSED"))
        this.lose("the lock was closed (its work is done)");
      else if (this.remainingMs() === 0) this.lose("the lease ran out while the service was unreachable");
      else throw e;
    }
    return this.stateValue;
  }

  /** Releases the lock if held (or being acquired); safe to call twice. */
  async release(options?: ReleaseOptions): Promise<void> {
    this.stopTimers();
    const s = this.stateValue;
    if (s.status === "acquiring") {
      this.set({ status: "released" });
      return;
    }
    if (s.status !== "held") return;
    this.set({ status: "released" });
    try {
      await this.transport.release(s.lease.token, options);
    } catch (e) {
      // Not held any more (expired, taken over, or closed by its holder): nothing to release.
      if (!isHoldfastApiError(e, "HOLDFAST_LOCK_NOT_OWNED") && !isHoldfastApiError(e, "HOLDFAST_LOCK_CLOSED"))
        throw e;
    }
  }

  /**
   * Milliseconds left on the lease (0 when not held): a lower bound of the server's own remaining
   * time. `now` is a reading of the holder's clock (`performance.now()` unless `clock` was given).
   */
  remainingMs(now = this.now()): number {
    if (this.stateValue.status !== "held") return 0;
    return Math.max(0, Math.floor(this.deadline - now));
  }

  /** The time left as `m:ss`, rounded up (seed 004's `formatRemainingTime`). */
  formatRemainingTime(now = this.now()): string {
    return formatMs(this.remainingMs(now));
  }

  /** The status now (a method, so TypeScript does not carry a narrowing across an await). */
  private statusNow(): HoldState["status"] {
    return this.stateValue.status;
  }

  private hold(lease: RemoteLease, sentAt: number): void {
    // The server counted expiresIn from when it answered, which is after sentAt: a lower bound.
    this.deadline = sentAt + lease.expiresIn;
    this.set({ status: "held", lease });
    if (this.refreshEveryMs > 0 && !this.timer) {
      this.timer = setInterval(() => {
        this.refresh().catch((e: unknown) => {
          for (const l of this.errorListeners) l(e);
        });
      }, this.refreshEveryMs);
    }
    this.armExpiry();
  }

  private armExpiry(): void {
    clearTimeout(this.expiry);
    // Timers may fire late (a throttled background tab): the check compares with the clock.
    this.expiry = setTimeout(
      () => {
        if (this.stateValue.status !== "held") return;
        if (this.remainingMs() === 0) this.lose("the lease ran out before a refresh succeeded");
        else this.armExpiry();
      },
      Math.max(0, this.deadline - this.now()),
    );
  }

  private lose(reason: string): void {
    this.stopTimers();
    this.set({ status: "lost", reason });
  }

  private stopTimers(): void {
    if (this.timer) clearInterval(this.timer);
    clearTimeout(this.expiry);
    this.timer = undefined;
    this.expiry = undefined;
  }

  private set(s: HoldState): void {
    this.stateValue = s;
    for (const l of this.listeners) l(s);
  }
}

/** `ms` as `m:ss`, rounded up to the second (a countdown never shows 0:00 while time is left). */
export function formatMs(ms: number): string {
  const s = Math.ceil(Math.max(0, ms) / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}
