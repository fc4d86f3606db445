import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareStreamIds, streamIdParts } from "../../src/util/stream-id.js";

/** The comparison as it was written first: through the parsed parts. */
function reference(a: string, b: string): number {
  const [am, as] = streamIdParts(a);
  const [bm, bs] = streamIdParts(b);
  return am !== bm ? am - bm : as - bs;
}

const sign = (n: number) => (Number.isNaN(n) ? NaN : Math.sign(n));
const part = fc.oneof(
  fc.nat({ max: 20 }).map(String),
  fc.nat().map(String),
  fc.constantFrom("0", "007", "999999999999999", "1234567890123456", "", "x", "1e3", " 1", "-"),
);
const id = fc.oneof(
  fc.tuple(part, part).map(([m, s]) => `${m}-${s}`),
  fc.constantFrom("", "5", "-", "1-2-3", "abc"),
);

describe("compareStreamIds", () => {
  it("orders numerically, not as strings", () => {
    expect(compareStreamIds("9-0", "10-0")).toBeLessThan(0);
    expect(compareStreamIds("10-0", "9-0")).toBeGreaterThan(0);
    expect(compareStreamIds("5-10", "5-9")).toBeGreaterThan(0);
    expect(compareStreamIds("5-9", "5-9")).toBe(0);
    expect(compareStreamIds("1733400000000-0", "1733400000000-1")).toBeLessThan(0);
  });

  it("agrees with the comparison through streamIdParts on any input, well-formed or not", () => {
    fc.assert(
      fc.property(id, id, (a, b) => {
        expect(sign(compareStreamIds(a, b))).toBe(sign(reference(a, b)));
      }),
      { numRuns: 5000 },
    );
  });
});
