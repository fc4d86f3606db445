import { InvalidArgumentError } from "../errors/invalid-argument-error.js";
import type { Store } from "../store/types.js";
import { assertDurationMs, assertInt, assertName, describeValue } from "../util/validate.js";
import { isAbortLike } from "../util/abort.js";
import type { BreakerState } from "./state.js";

/** Open after `threshold` failures in a row (any success resets the count). */
export interface ConsecutiveStrategy {
  kind: "consecutive";
  /** Failures in a row that open the breaker. @defaultValue 5 */
  threshold: number;
}

/**
 * Open when the failure ratio over a rolling window reaches `threshold`, once at least `minCalls`
 * calls were seen in that window. The window is `buckets` time buckets of `windowMs / buckets` ms.
 */
export interface RatioStrategy {
  kind: "ratio";
  /** Failure ratio in (0, 1] that opens the breaker, e.g. 0.5. */
  threshold: number;
  /** Calls needed in the window before the ratio is trusted. @defaultValue 20 */
  minCalls?: number;
  /** Length of the rolling window in ms. @defaultValue 30000 */
  windowMs?: number;
  /** Number of time buckets the window is cut into (1–100). @defaultValue 10 */
  buckets?: number;
}

export type TripStrategy = ConsecutiveStrategy | RatioStrategy;

/** Options of {@link CircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** The breaker's name: its key in the store and its metrics label. Required. */
  name: string;
  /** When to open. @defaultValue `{ kind: "consecutive", threshold: 5 }` */
  strategy?: TripStrategy;
  /**
   * Which errors count as failures of the dependency. Errors it rejects are rethrown but neither
   * counted nor used to judge a half-open trial. @defaultValue every error except `AbortError`s
   */
  isFailure?: (error: unknown) => boolean;
  /** How long the breaker stays open the first time, in ms. @defaultValue 10000 */
  halfOpenAfterMs?: number;
  /**
   * Cap of the open duration, in ms: each failed half-open trial doubles the open time
   * (`halfOpenAfterMs * 2^attempt`) up to this. @defaultValue 300000
   */
  maxHalfOpenAfterMs?: number;
  /** Trial calls admitted at once in half-open (across all instances in shared mode). @defaultValue 1 */
  halfOpenMaxTrials?: number;
  /**
   * A store makes the breaker shared by every instance that uses the same name and store; without
   * it the breaker is local to this process. @defaultValue undefined (local)
   */
  store?: Store;
  /**
   * Shared mode: the longest time, in ms, this instance decides from a cached copy of the shared
   * state (the staleness bound). @defaultValue 1000
   */
  syncIntervalMs?: number;
  /**
   * Shared mode: lifetime of a half-open trial lease, in ms. A trial that neither succeeds nor fails
   * within it (a crashed process) frees its slot for another instance. @defaultValue 30000
   */
  trialLeaseTtlMs?: number;
  /** Local mode: the state to start from, e.g. a saved `toJSON()`. @defaultValue `{ kind: "closed" }` */
  initialState?: BreakerState;
}

export const DEFAULT_BREAKER_OPTIONS = {
  strategy: { kind: "consecutive", threshold: 5 } as TripStrategy,
  isFailure: (error: unknown): boolean => !isAbortLike(error),
  halfOpenAfterMs: 10_000,
  maxHalfOpenAfterMs: 300_000,
  halfOpenMaxTrials: 1,
  syncIntervalMs: 1_000,
  trialLeaseTtlMs: 30_000,
} as const;

export const DEFAULT_RATIO = { minCalls: 20, windowMs: 30_000, buckets: 10 } as const;

/** Options after validation, with the strategy reduced to integers the scripts understand. */
export interface BreakerConfig {
  name: string;
  /** 1 = consecutive, 2 = ratio. */
  strategyCode: 1 | 2;
  /** Consecutive: failures in a row; ratio: threshold in parts per million. */
  threshold: number;
  minCalls: number;
  bucketMs: number;
  buckets: number;
  isFailure: (error: unknown) => boolean;
  baseMs: number;
  capMs: number;
  maxTrials: number;
  store: Store | undefined;
  syncIntervalMs: number;
  trialLeaseTtlMs: number;
  /** How long idle shared state is kept in the store, in ms. */
  stateTtlMs: number;
  initialState: BreakerState | undefined;
}

export function resolveBreakerOptions(options: CircuitBreakerOptions): BreakerConfig {
  if (typeof options !== "object" || options === null) {
    throw new InvalidArgumentError("options", `must be an object, got ${describeValue(options)}`);
  }
  const name = assertName("name", options.name);
  const strategy = options.strategy ?? DEFAULT_BREAKER_OPTIONS.strategy;
  let strategyCode: 1 | 2;
  let threshold: number;
  let minCalls = 0;
  let bucketMs = 1;
  let buckets = 1;
  if (typeof strategy !== "object" || strategy === null) {
    throw new InvalidArgumentError("strategy", `must be an object, got ${describeValue(strategy)}`);
  } else if (strategy.kind === "consecutive") {
    strategyCode = 1;
    threshold = assertInt("strategy.threshold", strategy.threshold, 1, 1_000_000);
  } else if (strategy.kind === "ratio") {
    strategyCode = 2;
    const t = strategy.threshold;
    if (typeof t !== "number" || !Number.isFinite(t) || t <= 0 || t > 1) {
      throw new InvalidArgumentError(
        "strategy.threshold",
        `must be a ratio in (0, 1], got ${describeValue(t)}`,
      );
    }
    threshold = Math.max(1, Math.round(t * 1_000_000));
    minCalls = assertInt("strategy.minCalls", strategy.minCalls ?? DEFAULT_RATIO.minCalls, 1, 1_000_000_000);
    buckets = assertInt("strategy.buckets", strategy.buckets ?? DEFAULT_RATIO.buckets, 1, 100);
    const windowMs = assertDurationMs("strategy.windowMs", strategy.windowMs ?? DEFAULT_RATIO.windowMs);
    if (windowMs < buckets) {
      throw new InvalidArgumentError("strategy.windowMs", `must be at least strategy.buckets (${buckets})`);
    }
    bucketMs = Math.ceil(windowMs / buckets);
  } else {
    throw new InvalidArgumentError(
      "strategy.kind",
      `must be "consecutive" or "ratio", got ${describeValue((strategy as { kind?: unknown }).kind)}`,
    );
  }
  const isFailure = options.isFailure ?? DEFAULT_BREAKER_OPTIONS.isFailure;
  if (typeof isFailure !== "function") {
    throw new InvalidArgumentError("isFailure", `must be a function, got ${describeValue(isFailure)}`);
  }
  const baseMs = assertDurationMs(
    "halfOpenAfterMs",
    options.halfOpenAfterMs ?? DEFAULT_BREAKER_OPTIONS.halfOpenAfterMs,
  );
  const capMs = assertDurationMs(
    "maxHalfOpenAfterMs",
    options.maxHalfOpenAfterMs ?? Math.max(baseMs, DEFAULT_BREAKER_OPTIONS.maxHalfOpenAfterMs),
  );
  if (capMs < baseMs) {
    throw new InvalidArgumentError("maxHalfOpenAfterMs", `must be at least halfOpenAfterMs (${baseMs})`);
  }
  const maxTrials = assertInt(
    "halfOpenMaxTrials",
    options.halfOpenMaxTrials ?? DEFAULT_BREAKER_OPTIONS.halfOpenMaxTrials,
    1,
    10_000,
  );
  const store = options.store;
  if (
    store !== undefined &&
    (typeof store !== "object" || store === null || typeof store.run !== "function")
  ) {
    throw new InvalidArgumentError(
      "store",
      `must be a Store from createStore(), got ${describeValue(store)}`,
    );
  }
  const syncIntervalMs = assertDurationMs(
    "syncIntervalMs",
    options.syncIntervalMs ?? DEFAULT_BREAKER_OPTIONS.syncIntervalMs,
  );
  const trialLeaseTtlMs = assertDurationMs(
    "trialLeaseTtlMs",
    options.trialLeaseTtlMs ?? DEFAULT_BREAKER_OPTIONS.trialLeaseTtlMs,
  );
  const initialState = options.initialState;
  if (initialState !== undefined) {
    if (store)
      throw new InvalidArgumentError(
        "initialState",
        "applies to local breakers only (the store holds shared state)",
      );
    validateState(initialState);
  }
  const windowMs = bucketMs * buckets;
  const stateTtlMs = Math.min(2_147_483_647, 2 * Math.max(capMs, windowMs, trialLeaseTtlMs) + 60_000);
  return {
    name,
    strategyCode,
    threshold,
    minCalls,
    bucketMs,
    buckets,
    isFailure,
    baseMs,
    capMs,
    maxTrials,
    store,
    syncIntervalMs,
    trialLeaseTtlMs,
    stateTtlMs,
    initialState,
  };
}

function validateState(s: BreakerState): void {
  if (typeof s !== "object" || s === null) {
    throw new InvalidArgumentError("initialState", `must be a saved state object, got ${describeValue(s)}`);
  }
  switch (s.kind) {
    case "closed":
    case "isolated":
      return;
    case "open":
      if (typeof s.openUntilMs !== "number" || !Number.isFinite(s.openUntilMs)) {
        throw new InvalidArgumentError(
          "initialState.openUntilMs",
          `must be epoch ms, got ${describeValue(s.openUntilMs)}`,
        );
      }
      assertInt("initialState.attempt", s.attempt, 0, 1_000);
      return;
    case "half-open":
      assertInt("initialState.attempt", s.attempt, 0, 1_000);
      return;
    default:
      throw new InvalidArgumentError(
        "initialState.kind",
        `must be closed, open, half-open or isolated, got ${describeValue((s as { kind?: unknown }).kind)}`,
      );
  }
}
