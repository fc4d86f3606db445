import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import * as semaphore from "../../src/semaphore/index.js";
import * as concurrency from "../../src/concurrency/index.js";
import { HoldfastError } from "../../src/errors/index.js";

const { ConcurrencyLimitError, ConcurrencyPermitLostError } = concurrency;
const { PermitNotHeldError, SemaphoreFullError } = semaphore;

// Only this area's own modules, so that another area's work in progress cannot break this test.
const holdfast: Record<string, unknown> = { ...semaphore, ...concurrency };

const docs = readFileSync(new URL("../../docs/semaphores.md", import.meta.url), "utf8");

it("exports every semaphore and concurrency error with a stable code, a guard and its docs", () => {
  const cases: [Error & { code: string; toJSON(): Record<string, unknown> }, string, string[]][] = [
    [
      new SemaphoreFullError("s", 5, 5, 120, 0),
      "HOLDFAST_SEMAPHORE_FULL",
      ["semaphore", "limit", "holders", "retryAfterMs"],
    ],
    [
      new PermitNotHeldError("s", "t", "refresh"),
      "HOLDFAST_SEMAPHORE_PERMIT_NOT_HELD",
      ["semaphore", "token"],
    ],
    [
      new ConcurrencyLimitError("k", 5, 2, "queue_full", 10),
      "HOLDFAST_CONCURRENCY_LIMIT",
      ["key", "limit", "queued", "reason"],
    ],
    [
      new ConcurrencyPermitLostError("k", "t", "expired"),
      "HOLDFAST_CONCURRENCY_PERMIT_LOST",
      ["key", "token"],
    ],
  ];
  for (const [err, code, fields] of cases) {
    expect(err.code).toBe(code);
    expect(err.name).toBe(err.constructor.name);
    expect(err).toBeInstanceOf(HoldfastError);
    const json = err.toJSON();
    for (const f of fields) expect(json[f]).toBeDefined();
    const guard = holdfast[`is${err.constructor.name}`] as (e: unknown) => boolean;
    expect(typeof guard).toBe("function");
    expect(guard(err)).toBe(true);
    expect(guard(new Error("other"))).toBe(false);
    expect(docs).toContain(code);
    expect(docs).toContain(err.constructor.name);
  }
  for (const name of [
    "createSemaphores",
    "createConcurrencyLimiter",
    "DEFAULT_SEMAPHORES_OPTIONS",
    "DEFAULT_CONCURRENCY_LIMITER_OPTIONS",
  ]) {
    expect(holdfast[name]).toBeDefined();
  }
});
