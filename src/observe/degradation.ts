import { getDefaultLogger, ThrottledLog, type Logger } from "../util/log.js";
import { EventSource, type Disposable } from "./disposable.js";
import { counter } from "./metrics.js";

/**
 * What a primitive did when the store could not answer. Locks, semaphores and stock always
 * `fail-closed` (they refuse); rate limits may be configured to `fail-open` or `local`.
 */
export type DegradedPolicy = "fail-closed" | "fail-open" | "local";

/** One decision taken without the store. Results carry `degraded: true` and this `reason`. */
export interface DegradedDecision {
  /** e.g. `lock`, `ratelimit`, `semaphore`. */
  primitive: string;
  /** The key or name the decision was about. */
  name: string;
  policy: DegradedPolicy;
  /** Why the store could not answer, e.g. the StoreUnavailableError's message. */
  reason: string;
}

const degradedTotal = counter(
  "holdfast_degraded_decisions_total",
  "Decisions taken without the store, by primitive and policy.",
  ["primitive", "policy"] as const,
);

const decisions = new EventSource<DegradedDecision>();
let throttled: ThrottledLog | undefined;
let logger: Logger | undefined;

/**
 * Records a degraded decision: counts it (`holdfast_degraded_decisions_total`), logs it at most
 * once per 10 s per primitive and policy (with how many were suppressed), and notifies
 * {@link onDegradedDecision} listeners. Never silent, never flooding.
 */
export function reportDegraded(decision: DegradedDecision): void {
  degradedTotal.labels(decision.primitive, decision.policy).inc();
  throttled ??= new ThrottledLog((logger ??= getDefaultLogger()));
  throttled.warn(
    `${decision.primitive}:${decision.policy}`,
    { primitive: decision.primitive, name: decision.name, policy: decision.policy, reason: decision.reason },
    `Holdfast degraded: ${decision.primitive} decided "${decision.policy}" without the store`,
  );
  decisions.emit(decision);
}

/** Subscribes to every degraded decision in this process. */
export function onDegradedDecision(listener: (d: DegradedDecision) => void): Disposable {
  return decisions.on(listener);
}

/** Routes degradation log lines to `l` (e.g. the server's pino logger). */
export function setDegradationLogger(l: Logger): void {
  logger = l;
  throttled = new ThrottledLog(l);
}
