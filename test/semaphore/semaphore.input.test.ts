import { expect, it } from "vitest";
import { describeStores } from "../support/stores.js";
import { InvalidArgumentError } from "../../src/errors/invalid-argument-error.js";
import { createSemaphores, type SemaphoreAcquireOptions } from "../../src/semaphore/index.js";
import { createConcurrencyLimiter } from "../../src/concurrency/index.js";

async function fieldOf(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidArgumentError);
    return (e as InvalidArgumentError).field;
  }
  throw new Error("expected an InvalidArgumentError");
}

describeStores("semaphore bad input", ({ store }) => {
  it("refuses bad names, limits, TTLs, owners and metadata before writing anything", async () => {
    const s = createSemaphores(store());
    const ok: SemaphoreAcquireOptions = { limit: 2, ttlMs: 1_000 };
    const cases: [() => Promise<unknown>, string][] = [
      [() => s.acquire("", ok), "name"],
      [() => s.acquire("x".repeat(513), ok), "name"],
      [() => s.acquire("bad\nname", ok), "name"],
      [() => s.acquire(42 as unknown as string, ok), "name"],
      [() => s.acquire("n", { limit: 0 }), "limit"],
      [() => s.acquire("n", { limit: -3 }), "limit"],
      [() => s.acquire("n", { limit: 1.5 }), "limit"],
      [() => s.acquire("n", { limit: Number.NaN }), "limit"],
      [() => s.acquire("n", { limit: 10_000_000 }), "limit"],
      [() => s.acquire("n", { limit: "5" as unknown as number }), "limit"],
      [() => s.acquire("n", undefined as unknown as SemaphoreAcquireOptions), "options"],
      [() => s.acquire("n", { limit: 1, ttlMs: 0 }), "ttlMs"],
      [() => s.acquire("n", { limit: 1, ttlMs: -1 }), "ttlMs"],
      [() => s.acquire("n", { limit: 1, ttlMs: 2.5 }), "ttlMs"],
      [() => s.acquire("n", { limit: 1, ttlMs: 2 ** 40 }), "ttlMs"],
      [() => s.acquire("n", { limit: 1, waitMs: -1 }), "waitMs"],
      [() => s.acquire("n", { limit: 1, owner: "" }), "owner"],
      [() => s.acquire("n", { limit: 1, owner: "o".repeat(257) }), "owner"],
      [() => s.acquire("n", { limit: 1, metadata: [] as unknown as Record<string, string> }), "metadata"],
      [() => s.acquire("n", { limit: 1, metadata: { big: "x".repeat(5_000) } }), "metadata"],
      [() => s.acquire("n", { limit: 1, metadata: { f: (() => 1) as unknown as string } }), "metadata.f"],
      [() => s.tryAcquire("", ok), "name"],
      [() => s.tryAcquire("n", { limit: 0 }), "limit"],
      [() => s.refresh({ name: "n", token: "" }), "token"],
      [() => s.refresh({ name: "", token: "t" }), "name"],
      [() => s.refresh({ name: "n", token: "t" }, 0), "ttlMs"],
      [() => s.refresh(null as unknown as { name: string; token: string }), "permit"],
      [() => s.release({ name: "n", token: "" }), "token"],
      [() => s.holders(""), "name"],
      [() => s.count("x".repeat(600)), "name"],
    ];
    for (const [p, field] of cases) expect(await fieldOf(p)).toBe(field);

    const limiter = createConcurrencyLimiter(store(), { limit: 2 });
    let ran = false;
    const work = () => {
      ran = true;
    };
    expect(await fieldOf(limiter.run("", work))).toBe("key");
    expect(await fieldOf(limiter.run("k".repeat(513), work))).toBe("key");
    expect(await fieldOf(limiter.run("k", work, { limit: 0 }))).toBe("limit");
    expect(await fieldOf(limiter.run("k", "nope" as unknown as () => void))).toBe("fn");
    expect(ran).toBe(false);

    const keys: string[] = [];
    for await (const k of store().scan(`${store().keys.prefix}*`)) keys.push(k);
    expect(keys).toEqual([]);
  });

  it("validates options once, at construction", async () => {
    const s = store();
    expect(await fieldOf(() => createSemaphores(s, { ttlMs: 0 }))).toBe("ttlMs");
    expect(await fieldOf(() => createSemaphores(s, { waitMs: -5 }))).toBe("waitMs");
    expect(await fieldOf(() => createSemaphores(s, { retryBaseMs: 100, retryCapMs: 10 }))).toBe("retryCapMs");
    expect(await fieldOf(() => createSemaphores(s, { keyKind: "a-b" }))).toBe("keyKind");
    expect(await fieldOf(() => createConcurrencyLimiter(s, { limit: 0 }))).toBe("limit");
    expect(await fieldOf(() => createConcurrencyLimiter(s, { limit: 1.5 }))).toBe("limit");
    expect(await fieldOf(() => createConcurrencyLimiter(s, { limit: 2, ttlMs: 0 }))).toBe("ttlMs");
    expect(await fieldOf(() => createConcurrencyLimiter(s, { limit: 2, maxQueue: -1 }))).toBe("maxQueue");
    expect(await fieldOf(() => createConcurrencyLimiter(s, { limit: 2, queueTimeoutMs: 0 }))).toBe(
      "queueTimeoutMs",
    );
    expect(
      await fieldOf(() => createConcurrencyLimiter(s, { limit: 2, ttlMs: 1_000, refreshIntervalMs: 1_000 })),
    ).toBe("refreshIntervalMs");
  });
});
