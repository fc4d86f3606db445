import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { leaseBody, plainSlotBody, slotBody } from "../../examples/appointment-locks/app.js";

/** Values near each bound the hand check reads: lengths, patterns, integers, types. */
const value: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    "t",
    "tenant-1",
    "a".repeat(64),
    "a".repeat(65),
    "",
    "a b",
    "a{b",
    "a|b",
    "a:b",
    "é",
    "a\n",
  ),
  fc.constantFrom(
    "2026-12-06",
    "2026-1-06",
    "2026-12-06 ",
    "26-12-06",
    "14:00",
    "1:00",
    "14:000",
    "x".repeat(200),
  ),
  fc.constantFrom("x".repeat(201), 4, 5, 60, 480, 481, 60.5, -0, "60", null, true, [], {}),
  fc.string({ maxLength: 12 }),
);
const key = fc.constantFrom("tenantId", "resourceId", "date", "startTime", "duration", "lockId", "other");
const valid = {
  tenantId: "tenant-1",
  resourceId: "specialist-1",
  date: "2026-12-06",
  startTime: "14:00",
  duration: 60,
  lockId: "lock-1",
};
/** A valid lease body with a few fields changed, removed or added. */
const bodies: fc.Arbitrary<unknown> = fc.oneof(
  fc
    .tuple(fc.dictionary(key, value, { maxKeys: 3 }), fc.subarray(Object.keys(valid)))
    .map(([changes, dropped]) => {
      const b: Record<string, unknown> = { ...valid, ...changes };
      for (const k of dropped) delete b[k];
      return b;
    }),
  fc.constantFrom(undefined, null, [], "body", 1),
);

describe("seed 004 app: the hand check of plainly valid slot bodies", () => {
  it("accepts only what zod accepts, with zod's output", () => {
    let accepted = 0;
    for (const [lease, schema] of [
      [false, slotBody],
      [true, leaseBody],
    ] as const) {
      fc.assert(
        fc.property(bodies, (body) => {
          const plain = lease ? plainSlotBody(body, true) : plainSlotBody(body, false);
          if (plain === undefined) return;
          accepted++;
          const r = schema.safeParse(body);
          expect(r.success, JSON.stringify(body)).toBe(true);
          expect(plain, JSON.stringify(body)).toStrictEqual(r.data);
        }),
        { numRuns: 3000 },
      );
    }
    expect(accepted).toBeGreaterThan(100);
  });

  it("takes the bodies the seed's page sends", () => {
    const { lockId: _lockId, ...slot } = valid;
    expect(plainSlotBody(slot, false)).toStrictEqual(slot);
    expect(plainSlotBody(valid, true)).toStrictEqual(valid);
    const { duration: _duration, ...noDuration } = slot;
    expect(plainSlotBody(noDuration, false)).toStrictEqual(noDuration);
  });
});
