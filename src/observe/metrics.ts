import { Counter, Gauge, Histogram, Registry, type LabelValues } from "prom-client";

/**
 * Holdfast's own Prometheus registry (never prom-client's global one, so an app's metrics and
 * ours do not collide). `holdfast serve` exposes it at `/metrics`; a library user can merge it:
 * `Registry.merge([register, holdfastRegistry])`.
 */
export const holdfastRegistry = new Registry();

/**
 * The metric `name` of {@link holdfastRegistry}: made by `make` from its registration (in this
 * registry only) on the first call, returned as it is on later ones.
 */
function registeredOnce<M, L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[],
  make: (registration: { name: string; help: string; labelNames: L[]; registers: Registry[] }) => M,
): M {
  const existing = holdfastRegistry.getSingleMetric(name) as M | undefined;
  return existing ?? make({ name, help, labelNames: [...labelNames], registers: [holdfastRegistry] });
}

/** A counter registered once in {@link holdfastRegistry}; later calls with the same name return it. */
export function counter<L extends string = never>(
  name: string,
  help: string,
  labelNames: readonly L[] = [],
): Counter<L> {
  return registeredOnce(
    name,
    help,
    labelNames,
    (registration) =>
      new Counter<L>({
        ...registration,
        collect() {
          flushTallies(this);
        },
      }),
  );
}

/** A counter's hot-path child: `inc()` is a plain addition, handed to the counter when it is read. */
export interface Tally {
  /** Adds `by` (default 1). */
  inc(by?: number): void;
}

const talliesOf = new WeakMap<Counter<string>, Map<string, { labels: LabelValues<string>; n: number }>>();

/**
 * A {@link Tally} of `c` with these label values. prom-client's own `labels(…).inc()` hashes the
 * labels on every call (~190 ns, a few percent of a rate-limit check); a tally adds 1 to a number
 * and the sum reaches the counter whenever the counter is read (a scrape, `get()`).
 */
export function tally<L extends string>(c: Counter<L>, labels: LabelValues<L>): Tally {
  let byLabels = talliesOf.get(c as Counter<string>);
  if (!byLabels) talliesOf.set(c as Counter<string>, (byLabels = new Map()));
  // One entry per label set, however many tallies are made of it.
  const id = JSON.stringify(Object.entries(labels).sort());
  let entry = byLabels.get(id);
  if (!entry) byLabels.set(id, (entry = { labels: labels as LabelValues<string>, n: 0 }));
  const e = entry;
  return {
    inc(by = 1) {
      e.n += by;
    },
  };
}

function flushTallies(c: Counter<string>): void {
  for (const t of talliesOf.get(c)?.values() ?? []) {
    if (t.n === 0) continue;
    c.inc(t.labels, t.n);
    t.n = 0;
  }
}

export function gauge<L extends string = never>(
  name: string,
  help: string,
  labelNames: readonly L[] = [],
): Gauge<L> {
  return registeredOnce(name, help, labelNames, (registration) => new Gauge<L>(registration));
}

export function histogram<L extends string = never>(
  name: string,
  help: string,
  labelNames: readonly L[] = [],
  buckets?: number[],
): Histogram<L> {
  return registeredOnce(
    name,
    help,
    labelNames,
    (registration) => new Histogram<L>({ ...registration, ...(buckets ? { buckets } : {}) }),
  );
}

/**
 * Most distinct values one label of one metric takes when the values come from names callers
 * choose (event sources, machine and breaker names): past it, new values are counted under
 * {@link OTHER_LABEL_VALUE}, so a caller who sends 20,000 names makes at most this many series.
 */
export const MAX_LABEL_VALUES = 100;
/** The label value new names share once a metric's label has {@link MAX_LABEL_VALUES} values. */
export const OTHER_LABEL_VALUE = "_other";

const labelValuesSeen = new Map<string, Set<string>>();

/**
 * `value` if it is among the first `max` distinct values seen for `metric`'s `label`, else
 * {@link OTHER_LABEL_VALUE}. Call it where the labelled child is made, not on every increment.
 */
export function cappedLabel(metric: string, label: string, value: string, max = MAX_LABEL_VALUES): string {
  const id = `${metric}\u0000${label}`;
  let seen = labelValuesSeen.get(id);
  if (!seen) labelValuesSeen.set(id, (seen = new Set()));
  if (seen.has(value)) return value;
  if (seen.size >= max) return OTHER_LABEL_VALUE;
  seen.add(value);
  return value;
}

/** A histogram's hot-path child, as `labels(…)` gives but cheaper: see {@link histogramChild}. */
export interface HistogramChild {
  observe(value: number): void;
}

/** What {@link histogramChild} reads of prom-client 15's `Histogram` (not its public API). */
interface HistogramInternals {
  hashMap?: Record<string, { labels?: object; sum?: unknown; count?: unknown; bucketValues?: object }>;
  upperBounds?: readonly number[];
  enableExemplars?: boolean;
}

function sameLabels(a: object | undefined, b: object): boolean {
  if (a === undefined) return false;
  const ka = Object.keys(a);
  return (
    ka.length === Object.keys(b).length &&
    ka.every((k) => (a as Record<string, unknown>)[k] === (b as Record<string, unknown>)[k])
  );
}

/**
 * A child of `h` for these label values whose `observe` does what prom-client's
 * `h.labels(…).observe(v)` does, to the same entry, in the same order (sum, count, the first
 * bucket whose bound is ≥ v), without prom-client's per-call work: it allocates a pair, validates
 * and hashes the labels into a new string and turns the bound into a string twice, about 0.5 µs
 * on every request and every store call. Reads prom-client's per-label-set entry, so it checks
 * that entry's shape once and on every call finds it again by its key (a reset or a `remove`
 * replaces it); where the shape differs, or exemplars are on, it calls `labels(…).observe` itself.
 * `test/observe/histogram-child.test.ts` holds it to prom-client's own figures.
 */
export function histogramChild<L extends string>(h: Histogram<L>, labels: LabelValues<L>): HistogramChild {
  const slow = h.labels(labels);
  const internals = h as unknown as HistogramInternals;
  const bounds = internals.upperBounds;
  if (internals.enableExemplars || !Array.isArray(bounds) || typeof internals.hashMap !== "object")
    return slow;
  const keys = bounds.map(String);
  const n = bounds.length;
  let key: string | undefined;
  /** The entry of these labels, found again by its key; undefined where its shape is not known. */
  const entry = () => {
    const map = internals.hashMap;
    if (map === undefined) return undefined;
    if (key === undefined) {
      key = Object.keys(map).find((k) => sameLabels(map[k].labels, labels));
      if (key === undefined) return undefined;
    }
    const e = map[key];
    if (e === undefined || typeof e.sum !== "number" || typeof e.count !== "number") return undefined;
    const buckets = e.bucketValues as Record<string, unknown> | undefined;
    return buckets !== undefined && typeof buckets[keys[0]] === "number"
      ? (e as { sum: number; count: number; bucketValues: Record<string, number> })
      : undefined;
  };
  return {
    observe(value: number) {
      const e = Number.isFinite(value) ? entry() : undefined;
      // The first observation makes the entry (and a non-finite value gets prom-client's error).
      if (e === undefined) return slow.observe(value);
      e.sum += value;
      e.count += 1;
      for (let i = 0; i < n; i++)
        if (value <= bounds[i]) {
          e.bucketValues[keys[i]] += 1;
          return;
        }
    },
  };
}
