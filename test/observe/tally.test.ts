import { describe, expect, it } from "vitest";
import { counter, holdfastRegistry, tally } from "../../src/observe/metrics.js";

describe("tally (a counter's hot-path child)", () => {
  const c = counter("holdfast_test_tally_total", "Test counter for tallies.", ["kind"] as const);
  const value = async (kind: string) =>
    (await c.get()).values.find((v) => v.labels.kind === kind)?.value ?? 0;

  it("reaches the counter when it is read, once, and shares one entry per label set", async () => {
    const a = tally(c, { kind: "a" });
    const a2 = tally(c, { kind: "a" });
    const b = tally(c, { kind: "b" });
    a.inc();
    a2.inc(2);
    b.inc();
    expect(await value("a")).toBe(3);
    expect(await value("b")).toBe(1);
    expect(await value("a")).toBe(3); // read again: nothing added twice
    a.inc();
    expect(await holdfastRegistry.metrics()).toContain('holdfast_test_tally_total{kind="a"} 4');
  });
});
