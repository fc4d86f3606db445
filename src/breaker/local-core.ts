import { BrokenCircuitError, IsolatedCircuitError } from "./errors.js";
import type { BreakerConfig } from "./options.js";
import { CLOSED, ISOLATED, openDurationMs, type BreakerState } from "./state.js";
import { ConsecutiveCounter, WindowCounter, type OutcomeCounter } from "./strategy.js";

/** Permission to make one call: a normal call, or a half-open trial (with its lease token in shared mode). */
export interface Ticket {
  readonly trial: boolean;
  /** The state generation the ticket was issued in; outcomes of an older generation are ignored. */
  readonly gen: number;
  readonly token?: string;
}

export type Outcome = "success" | "failure" | "ignored";

/**
 * The breaker's state machine in this process: used alone by local breakers, and by shared breakers
 * while the store is unreachable. All methods are synchronous, so there is no race between admitting
 * and settling within the process.
 */
export class LocalCore {
  private current: BreakerState;
  private gen = 0;
  private trialsInFlight = 0;
  private readonly counter: OutcomeCounter;

  constructor(
    private readonly cfg: BreakerConfig,
    initial: BreakerState,
    private readonly onChange: (state: BreakerState) => void,
    private readonly degraded: boolean,
  ) {
    this.current = initial;
    this.counter =
      cfg.strategyCode === 1
        ? new ConsecutiveCounter(cfg.threshold)
        : new WindowCounter(cfg.threshold, cfg.minCalls, cfg.bucketMs, cfg.buckets);
  }

  get state(): BreakerState {
    return this.current;
  }

  /** Admits a call or throws {@link BrokenCircuitError}. */
  admit(now: number): Ticket {
    const s = this.current;
    switch (s.kind) {
      case "closed":
        return { trial: false, gen: this.gen };
      case "isolated":
        throw new IsolatedCircuitError(this.cfg.name, this.degraded);
      case "open":
        if (now < s.openUntilMs) {
          throw new BrokenCircuitError(this.cfg.name, "open", s.openUntilMs - now, this.degraded);
        }
        this.set({ kind: "half-open", attempt: s.attempt });
        return this.admitTrial();
      case "half-open":
        return this.admitTrial();
    }
  }

  settle(ticket: Ticket, outcome: Outcome, now: number): void {
    if (ticket.gen !== this.gen) return; // issued before the last transition: stale evidence
    if (ticket.trial) {
      this.trialsInFlight--;
      const s = this.current;
      if (s.kind !== "half-open" || outcome === "ignored") return;
      if (outcome === "success") this.close();
      else this.open(now, s.attempt + 1);
      return;
    }
    if (this.current.kind !== "closed") return;
    if (outcome === "success") this.counter.success(now);
    else if (outcome === "failure" && this.counter.failure(now)) this.open(now, 0);
  }

  /** Opens for `durationMs` (default: the first open duration), keeping the backoff attempt. */
  trip(now: number, durationMs?: number): void {
    const attempt =
      this.current.kind === "open" || this.current.kind === "half-open" ? this.current.attempt : 0;
    this.set({
      kind: "open",
      openUntilMs: now + (durationMs ?? openDurationMs(attempt, this.cfg.baseMs, this.cfg.capMs)),
      attempt,
    });
  }

  isolate(): void {
    this.set(ISOLATED);
  }

  reset(): void {
    this.close();
  }

  private admitTrial(): Ticket {
    if (this.trialsInFlight >= this.cfg.maxTrials) {
      throw new BrokenCircuitError(this.cfg.name, "half-open", 0, this.degraded);
    }
    this.trialsInFlight++;
    return { trial: true, gen: this.gen };
  }

  private open(now: number, attempt: number): void {
    this.set({
      kind: "open",
      openUntilMs: now + openDurationMs(attempt, this.cfg.baseMs, this.cfg.capMs),
      attempt,
    });
  }

  private close(): void {
    this.counter.reset();
    this.set(CLOSED);
  }

  private set(state: BreakerState): void {
    // Entering half-open keeps the generation: the trials admitted right now belong to it.
    if (state.kind !== "half-open") this.gen++;
    if (state.kind !== "half-open") this.trialsInFlight = 0;
    this.current = state;
    this.onChange(state);
  }
}
