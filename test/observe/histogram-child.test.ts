import fc from "fast-check";
import { Histogram, Registry, type OpenMetricsContentType } from "prom-client";
import { describe, expect, it } from "vitest";
import { histogramChild } from "../../src/observe/metrics.js";

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** Two identical histograms in registries of their own: one fed by prom-client, one by histogramChild. */
function twins(options: { enableExemplars?: boolean } = {}) {
  const registry = () => {
    const r = new Registry<OpenMetricsContentType>();
    // Exemplars need an OpenMetrics registry.
    if (options.enableExemplars) r.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    return r;
  };
  const make = () =>
    new Histogram({
      name: "holdfast_test_child_seconds",
      help: "Test histogram for histogramChild.",
      labelNames: ["method", "route", "status"] as const,
      buckets: BUCKETS,
      registers: [registry()],
      ...options,
    });
  return { theirs: make(), ours: make() };
}

const labelSets = [
  { method: "POST", route: "/v1/locks/:key/acquire", status: "200" },
  { method: "POST", route: "/v1/locks/:key/acquire", status: "409" },
  { method: "GET", route: "unmatched", status: "404" },
];

// Values around and on every bound, below and above all of them.
const value = fc.oneof(
  fc.constantFrom(0, -1, ...BUCKETS, 3, 1e9),
  fc.double({ min: -0.1, max: 5, noNaN: true }),
);

type Step =
  | { kind: "observe"; set: number; v: number }
  | { kind: "reset" }
  | { kind: "remove"; set: number }
  | { kind: "zero"; set: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 20, arbitrary: fc.record({ kind: fc.constant("observe" as const), set: fc.nat(2), v: value }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("reset" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("remove" as const), set: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("zero" as const), set: fc.nat(2) }) },
);

describe("histogramChild", () => {
  it("gives prom-client's own figures (buckets, sum, count) after any observations, resets and removals", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 200 }), async (steps) => {
        const { theirs, ours } = twins();
        // Children made before anything is observed, as the service makes them on first use.
        const children = labelSets.map((l) => histogramChild(ours, l));
        for (const s of steps) {
          if (s.kind === "observe") {
            theirs.labels(labelSets[s.set]).observe(s.v);
            children[s.set].observe(s.v);
          } else if (s.kind === "reset") {
            theirs.reset();
            ours.reset();
          } else if (s.kind === "remove") {
            theirs.remove(labelSets[s.set]);
            ours.remove(labelSets[s.set]);
          } else {
            theirs.zero(labelSets[s.set]);
            ours.zero(labelSets[s.set]);
          }
        }
        expect(await ours.get()).toEqual(await theirs.get());
      }),
      { numRuns: 300 },
    );
  });

  it("refuses a value that is not finite as prom-client does, and counts nothing for it", async () => {
    const { theirs, ours } = twins();
    const child = histogramChild(ours, labelSets[0]);
    child.observe(0.002);
    theirs.labels(labelSets[0]).observe(0.002);
    for (const v of [NaN, Infinity, -Infinity]) {
      expect(() => child.observe(v)).toThrow(TypeError);
      expect(() => theirs.labels(labelSets[0]).observe(v)).toThrow(TypeError);
    }
    expect(await ours.get()).toEqual(await theirs.get());
  });

  it("with exemplars on, is prom-client's own child", async () => {
    const { theirs, ours } = twins({ enableExemplars: true });
    const child = histogramChild(ours, labelSets[0]);
    for (const v of [0.0001, 0.3, 7]) {
      child.observe(v);
      theirs.labels(labelSets[0]).observe(v);
    }
    expect(await ours.get()).toEqual(await theirs.get());
  });
});
