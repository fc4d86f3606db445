import { cappedLabel, counter } from "../observe/metrics.js";

const policyEvents = counter(
  "holdfast_policy_events_total",
  "Resilience policy events, by policy kind, policy name and event (retry, give-up, timeout, rejected, fallback).",
  ["kind", "policy", "event"] as const,
);

/** A pre-bound counter child, so the hot path does not look labels up. */
export function policyCounter(kind: string, name: string, event: string): { inc(): void } {
  return policyEvents.labels(kind, cappedLabel("holdfast_policy_events_total", "policy", name), event);
}
