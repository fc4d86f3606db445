import type { Store, StoreHealth } from "../store/types.js";
import type { Authenticator, KeyStatus } from "./auth/authenticator.js";

/** Options of {@link Readiness}. */
export interface ReadinessOptions {
  /** A probe's answer is reused for this long, in ms. @defaultValue 1000 */
  cacheMs?: number;
  /**
   * Longest a `/readyz` request waits for a fresh probe, in ms; past it, the store counts as down
   * for this answer while the probe goes on in the background. @defaultValue 200
   */
  waitMs?: number;
}

export const DEFAULT_READINESS_OPTIONS = { cacheMs: 1000, waitMs: 200 };

/** What `/readyz` answers. */
export interface ReadinessReport {
  status: "ready" | "unavailable" | "draining";
  store: StoreHealth & { checkedAt: number };
  auth?: KeyStatus;
  /** Why the service is not ready, in words, with what to do. */
  problems?: string[];
}

const timeout = <T>(ms: number, value: T): { promise: Promise<T>; cancel: () => void } => {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(value), ms);
    timer.unref();
  });
  return { promise, cancel: () => clearTimeout(timer) };
};

/**
 * Readiness a load balancer can use: answered within `waitMs` whether the store is up or down (the
 * last probe is cached, and a probe in flight is shared, never stacked), `503 draining` from the
 * moment shutdown begins, and `503` when a `keys` service has no active key left (every request
 * would be refused).
 */
export class Readiness {
  private draining = false;
  private last: { health: StoreHealth; at: number } | undefined;
  private probe: Promise<StoreHealth> | undefined;
  private keys: KeyStatus | undefined;
  private readonly options: typeof DEFAULT_READINESS_OPTIONS;

  constructor(
    private readonly store: Store,
    private readonly auth: Authenticator,
    options: ReadinessOptions = {},
  ) {
    this.options = { ...DEFAULT_READINESS_OPTIONS, ...options };
  }

  /** From now on `/readyz` answers 503 `draining` (shutdown has begun). */
  startDraining(): void {
    this.draining = true;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  async report(): Promise<ReadinessReport> {
    // One deadline for both: the key count comes from the store too, so with the store down the
    // last count is reported at once rather than waited for.
    const deadline = timeout(this.options.waitMs, undefined);
    const keys = this.auth.keyStatus().then(
      (k) => (this.keys = k),
      () => undefined,
    );
    const store = await this.storeHealth();
    const auth =
      store.status === "ok" ? ((await Promise.race([keys, deadline.promise])) ?? this.keys) : this.keys;
    deadline.cancel();
    const problems: string[] = [];
    if (this.draining) problems.push("shutting down: finish in-flight requests and send new ones elsewhere");
    if (store.status !== "ok") problems.push(`the store is unreachable (${store.error ?? "down"})`);
    if (auth?.mode === "keys" && auth.activeKeys === 0) {
      problems.push(
        "no active API key: every request is refused with 401; create one with `holdfast keys create`",
      );
    }
    return {
      status: this.draining ? "draining" : problems.length > 0 ? "unavailable" : "ready",
      store,
      ...(auth ? { auth } : {}),
      ...(problems.length > 0 ? { problems } : {}),
    };
  }

  private async storeHealth(): Promise<StoreHealth & { checkedAt: number }> {
    const now = Date.now();
    const last = this.last;
    if (last && now - last.at < this.options.cacheMs) return { ...last.health, checkedAt: last.at };
    this.probe ??= this.store
      .health()
      .then((health) => {
        this.last = { health, at: Date.now() };
        return health;
      })
      .finally(() => (this.probe = undefined));
    // Known down and still probing: say so at once rather than wait for the next timeout.
    if (last && last.health.status !== "ok") return { ...last.health, checkedAt: last.at };
    const late: StoreHealth = {
      status: "down",
      kind: this.store.kind,
      mode: this.store.mode,
      latencyMs: this.options.waitMs,
      serverVersion: last?.health.serverVersion ?? "unknown",
      error: `no answer within ${this.options.waitMs} ms`,
    };
    const t = timeout(this.options.waitMs, late);
    const health = await Promise.race([this.probe, t.promise]);
    t.cancel();
    return { ...health, checkedAt: health === late ? now : (this.last?.at ?? now) };
  }
}
