import { cappedLabel, counter } from "../observe/metrics.js";

const transitionsTotal = counter(
  "holdfast_machine_transitions_total",
  "State machine transitions applied, by machine and event.",
  ["machine", "event"] as const,
);
const rejectionsTotal = counter(
  "holdfast_machine_rejections_total",
  "State machine sends refused, by machine and reason (version_conflict, invalid_transition, guard_rejected, not_found).",
  ["machine", "reason"] as const,
);
const eventLogFailuresTotal = counter(
  "holdfast_machine_event_log_failures_total",
  "Transitions that committed but whose copy in the event log could not be appended.",
  ["machine"] as const,
);

interface Inc {
  inc(): void;
}

/** One machine's metric children, bound once at construction so the hot path does no lookups by label. */
export interface MachineMetrics {
  transitions: Map<string, Inc>;
  conflict: Inc;
  invalid: Inc;
  guard: Inc;
  notFound: Inc;
  logFailed: Inc;
}

export function machineMetrics(name: string, events: readonly string[]): MachineMetrics {
  // Machine names may come from callers (machines defined over HTTP): their series are capped.
  const machine = cappedLabel("holdfast_machine", "machine", name);
  return {
    transitions: new Map(events.map((e) => [e, transitionsTotal.labels(machine, e)])),
    conflict: rejectionsTotal.labels(machine, "version_conflict"),
    invalid: rejectionsTotal.labels(machine, "invalid_transition"),
    guard: rejectionsTotal.labels(machine, "guard_rejected"),
    notFound: rejectionsTotal.labels(machine, "not_found"),
    logFailed: eventLogFailuresTotal.labels(machine),
  };
}
