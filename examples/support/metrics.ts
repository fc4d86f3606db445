/**
 * The apps' own counters, on Holdfast's registry so that `/metrics` (which the service serves from
 * `holdfastRegistry`) shows them beside the library's: prom-client's `Counter` with
 * `registers: [holdfastRegistry]`, as any app that embeds Holdfast would write it.
 */
import { holdfastRegistry } from "holdfast";
import { Counter } from "prom-client";

/** A counter registered once on {@link holdfastRegistry}; a later call with the same name returns it. */
export function appCounter<L extends string = never>(
  name: string,
  help: string,
  labelNames: readonly L[] = [],
): Counter<L> {
  const existing = holdfastRegistry.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter<L>({ name, help, labelNames: [...labelNames], registers: [holdfastRegistry] });
}
