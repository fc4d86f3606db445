import { Counter, Gauge, Histogram, Registry } from "prom-client";

/**
 * Holdfast's own Prometheus registry (never prom-client's global one, so an app's metrics and
 * ours do not collide). `holdfast serve` exposes it at `/metrics`; a library user can merge it:
 * `Registry.merge([register, holdfastRegistry])`.
 */
export const holdfastRegistry = new Registry();

/** A counter registered once in {@link holdfastRegistry}; later calls with the same name return it. */
export function counter<L extends string = never>(
  name: string,
  help: string,
  labelNames: readonly L[] = [],
): Counter<L> {
  const existing = holdfastRegistry.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter<L>({ name, help, labelNames: [...labelNames], registers: [holdfastRegistry] });
}

export function gauge<L extends string = never>(
  name: string,
  help: string,
  labelNames: readonly L[] = [],
): Gauge<L> {
  const existing = holdfastRegistry.getSingleMetric(name);
  if (existing) return existing as Gauge<L>;
  return new Gauge<L>({ name, help, labelNames: [...labelNames], registers: [holdfastRegistry] });
}

export function histogram<L extends string = never>(
  name: string,
  help: string,
  labelNames: readonly L[] = [],
  buckets?: number[],
): Histogram<L> {
  const existing = holdfastRegistry.getSingleMetric(name);
  if (existing) return existing as Histogram<L>;
  return new Histogram<L>({
    name,
    help,
    labelNames: [...labelNames],
    registers: [holdfastRegistry],
    ...(buckets ? { buckets } : {}),
  });
}
