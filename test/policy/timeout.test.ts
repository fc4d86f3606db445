import { describe, expect, it } from "vitest";
import { TaskTimeoutError, TimeoutPolicy } from "../../src/policy/index.js";
import { InvalidArgumentError } from "../../src/errors/index.js";

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(t);
      reject(signal.reason);
    });
  });

describe("TimeoutPolicy", () => {
  it("cooperative: aborts the signal at the deadline and fails with TaskTimeoutError", async () => {
    const timeout = new TimeoutPolicy({ timeoutMs: 100 });
    const fired: number[] = [];
    timeout.onTimeout((e) => fired.push(e.timeoutMs));
    let seen: AbortSignal | undefined;
    const started = Date.now();
    const err = await timeout
      .execute(async (signal) => {
        seen = signal;
        await sleep(5_000, signal);
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskTimeoutError);
    expect((err as TaskTimeoutError).code).toBe("HOLDFAST_TASK_TIMEOUT");
    expect(seen!.aborted).toBe(true);
    expect(seen!.reason).toBeInstanceOf(TaskTimeoutError);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(fired).toEqual([100]);
  });

  it("cooperative: wraps a late failure in TaskTimeoutError and returns a late success", async () => {
    const timeout = new TimeoutPolicy({ timeoutMs: 50 });
    const err = await timeout
      .execute(async () => {
        await sleep(150);
        throw new Error("late");
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskTimeoutError);
    expect((err as Error & { cause: Error }).cause.message).toBe("late");
    expect(await timeout.execute(() => sleep(150).then(() => "finished anyway"))).toBe("finished anyway");
  });

  it("aggressive: rejects at the deadline even if fn ignores the signal", async () => {
    const timeout = new TimeoutPolicy({ timeoutMs: 100, strategy: "aggressive" });
    const started = Date.now();
    let finished = false;
    await expect(
      timeout.execute(async () => {
        await sleep(1_000);
        finished = true;
        throw new Error("ignored");
      }),
    ).rejects.toBeInstanceOf(TaskTimeoutError);
    expect(Date.now() - started).toBeLessThan(900);
    expect(finished).toBe(false);
  });

  it("passes fast calls through and forwards the caller's abort", async () => {
    const timeout = new TimeoutPolicy({ timeoutMs: 5_000 });
    expect(await timeout.execute(() => 42)).toBe(42);
    const c = new AbortController();
    const p = timeout.execute((signal) => sleep(5_000, signal), c.signal);
    c.abort(new Error("caller left"));
    await expect(p).rejects.toThrow("caller left");
    await expect(timeout.execute(() => 1, AbortSignal.abort())).rejects.toMatchObject({ name: "AbortError" });
  });

  it.each([
    ["timeoutMs", { timeoutMs: 0 }],
    ["timeoutMs", {}],
    ["strategy", { timeoutMs: 10, strategy: "brutal" }],
    ["options", null],
  ])("rejects bad %s", (field, options) => {
    try {
      new TimeoutPolicy(options as never);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidArgumentError);
      expect((e as InvalidArgumentError).field).toBe(field);
    }
  });
});
