import { formatMs, type HoldState, type LockHolder } from "../client/lock-holder.js";
import type { RemoteLease } from "../client/locks.js";

/** What {@link useLock} renders from: one immutable snapshot per change. */
export interface LockSnapshot {
  /** `idle`, `acquiring`, `held`, `conflict` (someone else holds it), `lost` (expired or taken), `released`. */
  status: HoldState["status"];
  /** The holder's state, with the lease when held and the holder's remaining TTL on a conflict. */
  state: HoldState;
  /** The lease while held: `lockId`, `fence`, `expiresIn`, `expiresAt` (seed 004's `lockData`). */
  lease: RemoteLease | undefined;
  /** The owner token while held, for a booking request (seed 004's `lockId`). */
  lockId: string | undefined;
  /** The fencing token while held: pass it to whatever the lock protects. */
  fence: number | undefined;
  /** True while held (seed 004's `isLocked`). */
  isLocked: boolean;
  /**
   * Ms left on the lease, as of the last countdown step (0 when not held). Counted from the
   * server's `expiresIn` on a monotonic clock: a skewed or jumping browser clock does not move it.
   */
  remainingMs: number;
  /** The last failure (service unreachable, a 5xx, a failed refresh); cleared by a success. */
  error: Error | undefined;
}

/** Options of {@link useLock}. */
export interface UseLockOptions {
  /**
   * Release the lock when the page is hidden for good (`pagehide`), with a `keepalive` request
   * that outlives the page. The lease comes back after its TTL if the request is lost anyway.
   * @defaultValue true
   */
  releaseOnPageHide?: boolean;
  /** Release the lock when the component unmounts. @defaultValue true */
  releaseOnUnmount?: boolean;
  /** The countdown re-renders each time the time left crosses a multiple of this, in ms. @defaultValue 1000 */
  countdownStepMs?: number;
}

const IDLE: LockSnapshot = {
  status: "idle",
  state: { status: "idle" },
  lease: undefined,
  lockId: undefined,
  fence: undefined,
  isLocked: false,
  remainingMs: 0,
  error: undefined,
};

/** The part of `window` the store uses; absent on a server (no DOM lib needed). */
interface PageTarget {
  addEventListener(type: "pagehide", listener: () => void): void;
  removeEventListener(type: "pagehide", listener: () => void): void;
}

const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

/**
 * The external store behind {@link useLock}: owns the current {@link LockHolder}, turns its events
 * into snapshots for `useSyncExternalStore`, steps the countdown, and releases on unmount and
 * `pagehide`. Acquires run one at a time, so a double click never races a lease against itself.
 */
export class LockStore<T> {
  private holder: LockHolder | undefined;
  private unlisten: (() => void)[] = [];
  private snapshot: LockSnapshot = IDLE;
  private error: Error | undefined;
  private readonly listeners = new Set<() => void>();
  private tick: ReturnType<typeof setTimeout> | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  /** Bumped by detach: work started before it must not hold a lock afterwards. */
  private generation = 0;
  private page: PageTarget | undefined;

  constructor(
    private readonly lockFor: (target: T) => LockHolder,
    private readonly options: () => UseLockOptions,
  ) {}

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    this.schedule();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) clearTimeout(this.tick);
    };
  };

  getSnapshot = (): LockSnapshot => this.snapshot;

  getServerSnapshot = (): LockSnapshot => IDLE;

  /**
   * Acquires the lock of `target` (releasing the one held before, if any). Never rejects: resolves
   * with the new state (`held`, `conflict`, or `idle` with {@link LockSnapshot.error} set).
   */
  acquire = (target: T): Promise<HoldState> => {
    const run = this.chain.then(() => this.doAcquire(target));
    this.chain = run.catch(() => undefined);
    return run;
  };

  /** Extends the lease now. Never rejects: a failure sets {@link LockSnapshot.error}. */
  refresh = async (): Promise<HoldState> => {
    const holder = this.holder;
    if (!holder) return this.snapshot.state;
    return this.settle(holder, () => holder.refresh());
  };

  /** Releases the lock (if held or being acquired). Never rejects. */
  release = async (): Promise<void> => {
    await this.releaseHolder(this.holder, false);
  };

  /** Mounted: listen for `pagehide`. */
  attach(): void {
    if (this.options().releaseOnPageHide === false) return;
    const g = globalThis as unknown as Partial<PageTarget>;
    if (typeof g.addEventListener !== "function" || typeof g.removeEventListener !== "function") return;
    this.page = g as PageTarget;
    this.page.addEventListener("pagehide", this.onPageHide);
  }

  /** Unmounted: stop listening, release unless told not to. */
  detach(): void {
    this.page?.removeEventListener("pagehide", this.onPageHide);
    this.page = undefined;
    clearTimeout(this.tick);
    if (this.options().releaseOnUnmount === false) return;
    this.generation++;
    void this.releaseHolder(this.holder, true);
  }

  private onPageHide = (): void => {
    // Started synchronously: after pagehide the page may be frozen or gone.
    this.generation++;
    void this.releaseHolder(this.holder, true);
  };

  private async doAcquire(target: T): Promise<HoldState> {
    const generation = this.generation;
    await this.releaseHolder(this.holder, false);
    if (generation !== this.generation) return this.snapshot.state;
    let holder: LockHolder;
    try {
      holder = this.lockFor(target);
    } catch (e) {
      this.setError(asError(e));
      return this.snapshot.state;
    }
    this.use(holder);
    return this.settle(holder, () => holder.acquire());
  }

  /** The state `op` on `holder` answers, recording its error (or clearing the last one) instead of rejecting. */
  private async settle(holder: LockHolder, op: () => Promise<HoldState>): Promise<HoldState> {
    try {
      const state = await op();
      this.setError(undefined);
      return state;
    } catch (e) {
      this.setError(asError(e));
      return holder.state;
    }
  }

  private async releaseHolder(holder: LockHolder | undefined, keepalive: boolean): Promise<void> {
    if (!holder) return;
    const s = holder.state.status;
    if (s !== "held" && s !== "acquiring") return;
    try {
      await holder.release(keepalive ? { keepalive: true } : undefined);
    } catch (e) {
      this.setError(asError(e));
    }
  }

  private use(holder: LockHolder): void {
    for (const off of this.unlisten) off();
    this.holder = holder;
    this.unlisten = [holder.onChange(() => this.update()), holder.onError((e) => this.setError(asError(e)))];
    this.update();
  }

  private setError(error: Error | undefined): void {
    if (this.error === error) return;
    this.error = error;
    this.update();
  }

  private update(): void {
    const holder = this.holder;
    const state: HoldState = holder?.state ?? { status: "idle" };
    const lease = state.status === "held" ? state.lease : undefined;
    this.snapshot = {
      status: state.status,
      state,
      lease,
      lockId: lease?.token,
      fence: lease?.fence,
      isLocked: lease !== undefined,
      remainingMs: holder?.remainingMs() ?? 0,
      error: this.error,
    };
    for (const l of this.listeners) l();
    this.schedule();
  }

  /** Re-renders when the time left crosses the next step (only while held and watched). */
  private schedule(): void {
    clearTimeout(this.tick);
    if (this.listeners.size === 0 || !this.snapshot.isLocked) return;
    const step = Math.max(1, this.options().countdownStepMs ?? 1000);
    const left = this.holder?.remainingMs() ?? 0;
    const delay = left % step === 0 ? step : left % step;
    this.tick = setTimeout(() => this.update(), delay + 1);
  }
}

export { formatMs };
