import { InvalidArgumentError } from "../errors/invalid-argument-error.js";
import { StoreTimeoutError, StoreUnavailableError } from "../errors/store-errors.js";
import { reportDegraded } from "../observe/degradation.js";
import { counter, tally } from "../observe/metrics.js";
import { MemoryStore } from "../store/memory/memory-store.js";
import type { Store } from "../store/types.js";
import { assertDurationMs, assertInt, assertName, describeValue, stripUndefined } from "../util/validate.js";
import {
  OP_ADJUST,
  OP_PEEK,
  OP_RESET,
  buildArgs,
  rateLimitScript,
  consumeArgs,
  consumeScriptFor,
  type RateLimitReply,
  type RateLimitScript,
} from "./scripts/scripts.js";
import { decodeReply } from "./decode.js";
import { MAX_QUOTA, assertLimitName, limitsOf, normalizeLimits, type NormalizedLimit } from "./spec.js";
import {
  DEFAULT_RATE_LIMITER_OPTIONS,
  type ConsumeOptions,
  type LimitSpec,
  type RateLimitResult,
  type RateLimiterOptions,
  type StoreUnavailablePolicy,
} from "./types.js";

const decisions = counter(
  "holdfast_ratelimit_decisions_total",
  "Rate-limit decisions, by algorithm of the binding limit and decision (allowed, denied).",
  ["algorithm", "decision"] as const,
);

const POLICIES: readonly StoreUnavailablePolicy[] = ["fail-closed", "fail-open", "local"];
const KIND = "ratelimit";

/** True for store failures a rate limiter may decide around: unreachable or no answer in time. */
function isOutage(e: unknown): e is StoreUnavailableError | StoreTimeoutError {
  return e instanceof StoreUnavailableError || e instanceof StoreTimeoutError;
}

/**
 * A rate limiter over one or several limits per key, on any {@link Store}. Every decision is one
 * script (one round trip on Redis) on the store's clock; all limits of a key live in one hash under
 * the key's hash tag, so it works on Redis Cluster. Create it with {@link createRateLimiter}.
 */
export class RateLimiter {
  readonly name: string;
  readonly onStoreUnavailable: StoreUnavailablePolicy;
  readonly blockDurationMs: number;
  private readonly recheckIntervalMs: number;
  private limitList: NormalizedLimit[];
  private consumeOne: readonly (string | number)[];
  /** The script `consume` runs (see {@link consumeScriptFor}). */
  private consumeScript: RateLimitScript = rateLimitScript;
  private peekOne: readonly (string | number)[];
  private allowedBy: { inc(): void }[] = [];
  private deniedBy: { inc(): void }[] = [];
  private outage: { error: Error; local?: MemoryStore; timer: NodeJS.Timeout } | undefined;
  private probing = false;

  constructor(
    private readonly store: Store,
    options: RateLimiterOptions,
  ) {
    if (typeof options !== "object" || options === null) {
      throw new InvalidArgumentError("options", `must be an object, got ${describeValue(options)}`);
    }
    this.name = assertLimitName("name", options.name);
    const o = { ...DEFAULT_RATE_LIMITER_OPTIONS, ...stripUndefined(options) };
    this.blockDurationMs = assertDurationMs("blockDurationMs", o.blockDurationMs, 0);
    this.recheckIntervalMs = assertDurationMs("recheckIntervalMs", o.recheckIntervalMs);
    if (!POLICIES.includes(o.onStoreUnavailable)) {
      throw new InvalidArgumentError(
        "onStoreUnavailable",
        `must be one of ${POLICIES.join(", ")}, got ${describeValue(o.onStoreUnavailable)}`,
      );
    }
    this.onStoreUnavailable = o.onStoreUnavailable;
    this.limitList = limitsOf(options);
    this.consumeOne = [];
    this.peekOne = [];
    this.install(this.limitList);
  }

  /** The limits in force, as validated. */
  get limits(): readonly Readonly<NormalizedLimit>[] {
    return this.limitList;
  }

  /**
   * Replaces the limits at runtime. State is kept per limit name and algorithm: a limit with the same
   * name and algorithm carries on with its counters under its new quota/window/rate (see
   * docs/rate-limits.md for each algorithm); a new name or algorithm starts with a full budget.
   * Only this limiter object changes: other processes must call it too.
   *
   * @example limiter.setLimits([{ name: "per-second", algorithm: "gcra", burst: 20, ratePerSec: 20 }]);
   */
  setLimits(limits: LimitSpec[]): void {
    this.install(normalizeLimits(limits));
  }

  private install(limits: NormalizedLimit[]): void {
    this.limitList = limits;
    this.consumeScript = consumeScriptFor(limits);
    // Written as strings once and frozen, so the Redis store encodes them once (ScriptCommand).
    this.consumeOne = Object.freeze(consumeArgs(1, this.blockDurationMs, limits).map(String));
    this.peekOne = Object.freeze(buildArgs(OP_PEEK, 1, this.blockDurationMs, limits).map(String));
    this.allowedBy = limits.map((l) => tally(decisions, { algorithm: l.algorithm, decision: "allowed" }));
    this.deniedBy = limits.map((l) => tally(decisions, { algorithm: l.algorithm, decision: "denied" }));
  }

  /**
   * Takes `cost` units (default 1) from every limit of `key`, or nothing at all: the request is
   * allowed only if every limit allows it, and a refusal never uses up budget.
   *
   * While the store is unreachable, the `onStoreUnavailable` policy decides and the result says
   * `degraded: true`. Other store errors (a closed store, a script error) are thrown.
   *
   * @throws InvalidArgumentError for a bad key or cost, before anything is written
   * @example
   * const r = await limiter.consume(`user:${userId}`);
   * if (!r.allowed) return reply.status(httpStatusOf(r)).headers(rateLimitHeaders(r)).send();
   */
  async consume(key: string, options?: ConsumeOptions): Promise<RateLimitResult> {
    const storeKey = this.keyOf(key);
    const cost = options?.cost === undefined ? 1 : assertInt("cost", options.cost, 1, MAX_QUOTA);
    const limits = this.limitList;
    const args = cost === 1 ? this.consumeOne : consumeArgs(cost, this.blockDurationMs, limits);
    let result: RateLimitResult;
    if (this.outage) {
      result = await this.decideDegraded(key, storeKey, args, limits, this.outage.error);
    } else {
      try {
        result = decodeReply(await this.store.run(this.consumeScript, [storeKey], args), limits);
      } catch (e) {
        if (!isOutage(e)) throw e;
        this.enterOutage(e);
        result = await this.decideDegraded(key, storeKey, args, limits, e);
      }
    }
    this.count(result, limits);
    return result;
  }

  /**
   * What {@link consume} would answer for `cost` now, without consuming or blocking anything.
   * @throws the store's error when it is unreachable (local policy: reads the local state instead)
   */
  async peek(key: string, options?: ConsumeOptions): Promise<RateLimitResult> {
    const storeKey = this.keyOf(key);
    const cost = options?.cost === undefined ? 1 : assertInt("cost", options.cost, 1, MAX_QUOTA);
    const args = cost === 1 ? this.peekOne : buildArgs(OP_PEEK, cost, this.blockDurationMs, this.limitList);
    return this.runAdmin(key, storeKey, args);
  }

  /**
   * Gives `units` back to every limit of `key` (e.g. the request turned out to be free), never
   * beyond a full quota. Returns the state afterwards, as {@link peek} would for a cost of 1.
   */
  async reward(key: string, units: number): Promise<RateLimitResult> {
    const storeKey = this.keyOf(key);
    const n = assertInt("units", units, 1, MAX_QUOTA);
    return this.runAdmin(key, storeKey, buildArgs(OP_ADJUST, -n, this.blockDurationMs, this.limitList));
  }

  /**
   * Takes `units` more from every limit of `key` even if that overdraws it (e.g. a failed login
   * costs extra); the debt is paid back as the limit refills. Never blocks by itself.
   */
  async penalty(key: string, units: number): Promise<RateLimitResult> {
    const storeKey = this.keyOf(key);
    const n = assertInt("units", units, 1, MAX_QUOTA);
    return this.runAdmin(key, storeKey, buildArgs(OP_ADJUST, n, this.blockDurationMs, this.limitList));
  }

  /** Forgets every limit's state and any block of `key`: it starts with a full budget. */
  async reset(key: string): Promise<void> {
    const storeKey = this.keyOf(key);
    await this.runAdmin(key, storeKey, [OP_RESET, 0, 0, 0]);
  }

  /** Stops the background probe and drops the local fallback state, if any. Idempotent. */
  close(): void {
    this.leaveOutage();
  }

  private keyOf(key: string): string {
    return this.store.keys.key(KIND, assertName("key", key), this.name);
  }

  private async runAdmin(
    key: string,
    storeKey: string,
    args: readonly (string | number)[],
  ): Promise<RateLimitResult> {
    const limits = this.limitList;
    const local = this.outage?.local;
    if (local) {
      const reply = await local.run(rateLimitScript, [storeKey], args);
      return this.markLocal(key, decodeReplyOrReset(reply, limits), this.outage!.error);
    }
    try {
      const reply = await this.store.run(rateLimitScript, [storeKey], args);
      // The store answered: decisions go back to it without waiting for the probe.
      this.leaveOutage();
      return decodeReplyOrReset(reply, limits);
    } catch (e) {
      if (!isOutage(e) || this.onStoreUnavailable !== "local") throw e;
      this.enterOutage(e);
      const l = this.outage!.local!;
      return this.markLocal(
        key,
        decodeReplyOrReset(await l.run(rateLimitScript, [storeKey], args), limits),
        e,
      );
    }
  }

  private async decideDegraded(
    key: string,
    storeKey: string,
    args: readonly (string | number)[],
    limits: NormalizedLimit[],
    error: Error,
  ): Promise<RateLimitResult> {
    const policy = this.onStoreUnavailable;
    reportDegraded({ primitive: KIND, name: key, policy, reason: error.message });
    if (policy === "local") {
      const local = this.outage!.local!;
      return this.markLocal(
        key,
        decodeReply(await local.run(this.consumeScript, [storeKey], args), limits),
        error,
        false,
      );
    }
    const open = policy === "fail-open";
    return {
      allowed: open,
      remaining: 0,
      resetMs: 0,
      retryAfterMs: open ? 0 : this.recheckIntervalMs,
      policy: limits[0].name,
      reason: "store-unavailable",
      degraded: true,
      degradedPolicy: policy,
      degradedReason: error.message,
      limits: [],
    };
  }

  private markLocal(key: string, r: RateLimitResult, error: Error, report = true): RateLimitResult {
    if (report) reportDegraded({ primitive: KIND, name: key, policy: "local", reason: error.message });
    r.degraded = true;
    r.degradedPolicy = "local";
    r.degradedReason = error.message;
    return r;
  }

  private count(r: RateLimitResult, limits: NormalizedLimit[]): void {
    let i = 0;
    if (limits.length > 1) {
      for (let j = 0; j < limits.length; j++) if (limits[j].name === r.policy) i = j;
    }
    (r.allowed ? this.allowedBy : this.deniedBy)[i]?.inc();
  }

  /** Switches to deciding without the store until one probe every `recheckIntervalMs` succeeds. */
  private enterOutage(error: Error): void {
    if (this.outage) {
      this.outage.error = error;
      return;
    }
    const timer = setInterval(() => void this.probe(), this.recheckIntervalMs);
    timer.unref();
    this.outage = {
      error,
      timer,
      ...(this.onStoreUnavailable === "local"
        ? { local: new MemoryStore({ prefix: this.store.keys.prefix }) }
        : {}),
    };
  }

  private leaveOutage(): void {
    const o = this.outage;
    if (!o) return;
    this.outage = undefined;
    clearInterval(o.timer);
    void o.local?.close();
  }

  private async probe(): Promise<void> {
    if (this.probing || !this.outage) return;
    this.probing = true;
    try {
      await this.store.run(rateLimitScript, [this.store.keys.key(KIND, "probe", this.name)], this.peekOne);
      // The store answers again: it decides from now on; local budgets are dropped.
      this.leaveOutage();
    } catch (e) {
      if (this.outage && e instanceof Error) this.outage.error = e;
    } finally {
      this.probing = false;
    }
  }
}

function decodeReplyOrReset(r: RateLimitReply, limits: NormalizedLimit[]): RateLimitResult {
  if (r.length === 3) {
    // reset: nothing to report but a full budget.
    return decodeReply([1, 0, 0, ...limits.flatMap((l) => [l.quota, 0, 0])], limits);
  }
  return decodeReply(r, limits);
}

/**
 * Creates a rate limiter. Options are validated once, here.
 *
 * @throws InvalidArgumentError naming the bad option
 * @example
 * // 100 requests per minute per user, sliding window
 * const perUser = createRateLimiter(store, { name: "api", algorithm: "sliding-window", limit: 100, windowMs: 60_000 });
 * // 10/s bursts and 1000/h together, decided in one round trip
 * const perRestaurant = createRateLimiter(store, {
 *   name: "bookings",
 *   limits: [
 *     { name: "burst", algorithm: "gcra", burst: 10, ratePerSec: 10 },
 *     { name: "hourly", algorithm: "fixed-window", limit: 1000, windowMs: 3_600_000 },
 *   ],
 *   onStoreUnavailable: "local",
 * });
 */
export function createRateLimiter(store: Store, options: RateLimiterOptions): RateLimiter {
  return new RateLimiter(store, options);
}
