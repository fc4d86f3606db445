import { cappedLabel, counter } from "../observe/metrics.js";
import { EventSource, type Disposable } from "../observe/disposable.js";
import { NEVER_ABORTED, type Policy } from "../policy/types.js";
import { throwIfAborted } from "../util/abort.js";
import { assertDurationMs } from "../util/validate.js";
import { isBrokenCircuitError } from "./errors.js";
import { LocalCore, type Outcome, type Ticket } from "./local-core.js";
import { resolveBreakerOptions, type BreakerConfig, type CircuitBreakerOptions } from "./options.js";
import { SharedCore } from "./shared-core.js";
import { CLOSED, type BreakerState, type BreakerStateKind } from "./state.js";

const transitions = counter(
  "holdfast_breaker_transitions_total",
  "Circuit breaker state changes seen by this process, by breaker and new state.",
  ["breaker", "to"] as const,
);
const rejections = counter(
  "holdfast_breaker_rejected_total",
  "Calls a circuit breaker refused (open, half-open with trials taken, isolated), by breaker.",
  ["breaker"] as const,
);

/** Payload of {@link CircuitBreaker.onStateChange}. */
export interface BreakerStateChange {
  previous: BreakerStateKind;
  state: BreakerState;
}

/** Payload of {@link CircuitBreaker.onFailure}. */
export interface BreakerFailure {
  error: unknown;
  durationMs: number;
  /** False when `isFailure` rejected the error (it was rethrown but not counted). */
  counted: boolean;
}

/** Payload of {@link CircuitBreaker.onDegraded}. */
export interface BreakerDegradedChange {
  /** True when the breaker decides from local state because the store is unreachable. */
  degraded: boolean;
  /** The store error's message (empty when back to shared). */
  reason: string;
}

/**
 * A circuit breaker: stops calling a failing dependency for a while, then lets a few trial calls
 * through and closes again when one succeeds.
 *
 * Local (no `store`): the state lives in this process. Shared (`store` given): every instance that
 * uses the same name and store sees the same state, at most `syncIntervalMs` late, and half-open
 * trials are leased through the store so that only `halfOpenMaxTrials` instances probe at once.
 * See docs/breakers.md for the exact guarantees.
 *
 * @example
 * const breaker = new CircuitBreaker({
 *   name: "table-assignment",
 *   store,                                        // omit for a process-local breaker
 *   strategy: { kind: "ratio", threshold: 0.5, minCalls: 20, windowMs: 30_000 },
 *   halfOpenAfterMs: 10_000,
 * });
 * const tables = await breaker.execute((signal) => assignTables(booking, { signal }));
 */
export class CircuitBreaker implements Policy {
  /** The breaker's name (its key in the store and its metrics label). */
  readonly name: string;
  private readonly cfg: BreakerConfig;
  private readonly local: LocalCore | undefined;
  private readonly shared: SharedCore | undefined;
  private observed: BreakerState;
  private readonly stateChanges = new EventSource<BreakerStateChange>();
  private readonly breaks = new EventSource<BreakerState>();
  private readonly halfOpens = new EventSource<BreakerState>();
  private readonly resets = new EventSource<BreakerState>();
  private readonly successes = new EventSource<{ durationMs: number }>();
  private readonly failures = new EventSource<BreakerFailure>();
  private readonly degradations = new EventSource<BreakerDegradedChange>();
  private readonly rejected;
  private readonly metricName: string;

  /** @throws InvalidArgumentError for bad options, before anything is written. */
  constructor(options: CircuitBreakerOptions) {
    this.cfg = resolveBreakerOptions(options);
    this.name = this.cfg.name;
    // Breaker names may come from callers (the service's /v1/breakers/:name): series are capped.
    this.metricName = cappedLabel("holdfast_breaker", "breaker", this.name);
    this.rejected = rejections.labels(this.metricName);
    if (this.cfg.store) {
      this.observed = CLOSED;
      this.shared = new SharedCore(this.cfg, this.observe, (degraded, reason) =>
        this.degradations.emit({ degraded, reason }),
      );
    } else {
      this.observed = this.cfg.initialState ?? CLOSED;
      this.local = new LocalCore(this.cfg, this.observed, this.observe, false);
    }
  }

  /** Fires on every state change this instance sees (in shared mode: when it learns of it). */
  get onStateChange(): (listener: (e: BreakerStateChange) => void) => Disposable {
    return this.stateChanges.on;
  }
  /** Fires when the breaker opens. */
  get onBreak(): (listener: (state: BreakerState) => void) => Disposable {
    return this.breaks.on;
  }
  /** Fires when the breaker goes half-open (trial calls allowed). */
  get onHalfOpen(): (listener: (state: BreakerState) => void) => Disposable {
    return this.halfOpens.on;
  }
  /** Fires when the breaker closes again. */
  get onReset(): (listener: (state: BreakerState) => void) => Disposable {
    return this.resets.on;
  }
  /** Fires after each successful call. */
  get onSuccess(): (listener: (e: { durationMs: number }) => void) => Disposable {
    return this.successes.on;
  }
  /** Fires after each failed call (counted or not). */
  get onFailure(): (listener: (e: BreakerFailure) => void) => Disposable {
    return this.failures.on;
  }
  /** Shared mode: fires when the breaker falls back to local state (store unreachable) and when it is back. */
  get onDegraded(): (listener: (e: BreakerDegradedChange) => void) => Disposable {
    return this.degradations.on;
  }

  /** `local` or `shared`. */
  get mode(): "local" | "shared" {
    return this.shared ? "shared" : "local";
  }

  /** True while a shared breaker decides from local state because the store is unreachable. */
  get degraded(): boolean {
    return this.shared?.degraded ?? false;
  }

  /**
   * The state this instance decides from. An open state whose `openUntilMs` has passed stays
   * `open` here until the next call moves it to half-open.
   */
  get state(): BreakerState {
    return this.local ? this.local.state : this.shared!.current;
  }

  /** The state, for `JSON.stringify`; pass it back as `initialState` to restore a local breaker. */
  toJSON(): BreakerState {
    return this.state;
  }

  /**
   * Runs `fn` if the breaker admits the call, and counts its outcome. `fn` receives `signal` (or a
   * signal that never aborts). Errors from `fn` are rethrown unchanged.
   *
   * @throws BrokenCircuitError when open or when every half-open trial slot is taken,
   *   IsolatedCircuitError when isolated; `fn` is not called then.
   * @example
   * const value = await breaker.execute((signal) => fetch(url, { signal }), request.signal);
   */
  async execute<T>(fn: (signal: AbortSignal) => PromiseLike<T> | T, signal?: AbortSignal): Promise<T> {
    throwIfAborted(signal);
    let ticket: Ticket;
    try {
      ticket = this.local ? this.local.admit(Date.now()) : await this.shared!.admit();
    } catch (e) {
      if (isBrokenCircuitError(e)) this.rejected.inc();
      throw e;
    }
    const started = performance.now();
    let value: T;
    try {
      value = await fn(signal ?? NEVER_ABORTED);
    } catch (error) {
      let counted = true;
      try {
        counted = this.cfg.isFailure(error);
      } catch {
        // A throwing predicate must not hide the call's own error: count it.
      }
      await this.settle(ticket, counted ? "failure" : "ignored");
      this.failures.emit({ error, durationMs: performance.now() - started, counted });
      throw error;
    }
    await this.settle(ticket, "success");
    this.successes.emit({ durationMs: performance.now() - started });
    return value;
  }

  /**
   * Opens the breaker now, for `durationMs` (default: the current backoff duration), after which it
   * goes half-open as usual. Shared: every instance sees it within `syncIntervalMs`.
   * @throws StoreUnavailableError (shared, store down): applied to this instance only.
   */
  async trip(durationMs?: number): Promise<void> {
    if (durationMs !== undefined) assertDurationMs("durationMs", durationMs);
    if (this.local) this.local.trip(Date.now(), durationMs);
    else await this.shared!.force(1, durationMs ?? 0);
  }

  /**
   * Holds the breaker open until {@link reset}: every call is refused with IsolatedCircuitError.
   * @throws StoreUnavailableError (shared, store down): applied to this instance only.
   */
  async isolate(): Promise<void> {
    if (this.local) this.local.isolate();
    else await this.shared!.force(3, 0);
  }

  /**
   * Closes the breaker and forgets the counted outcomes and the backoff attempt.
   * @throws StoreUnavailableError (shared, store down): applied to this instance only.
   */
  async reset(): Promise<void> {
    if (this.local) this.local.reset();
    else await this.shared!.force(0, 0);
  }

  /** Shared mode: sends counted outcomes and refreshes the state now (tests, shutdown). */
  async sync(): Promise<void> {
    await this.shared?.flush();
  }

  private settle(ticket: Ticket, outcome: Outcome): Promise<void> | void {
    if (this.local) this.local.settle(ticket, outcome, Date.now());
    else return this.shared!.settle(ticket, outcome);
  }

  private readonly observe = (s: BreakerState): void => {
    const prev = this.observed;
    this.observed = s;
    if (prev.kind === s.kind && (s.kind !== "open" || (prev.kind === "open" && prev.attempt === s.attempt))) {
      return;
    }
    transitions.labels(this.metricName, s.kind).inc();
    this.stateChanges.emit({ previous: prev.kind, state: s });
    if (s.kind === "open") this.breaks.emit(s);
    else if (s.kind === "half-open") this.halfOpens.emit(s);
    else if (s.kind === "closed") this.resets.emit(s);
  };
}
