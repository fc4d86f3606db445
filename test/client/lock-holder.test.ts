/**
 * LockHolder against a scripted transport and an injected clock: the countdown starts when the
 * request was sent (never longer than the server's), ignores the wall clock, ends in `lost` when
 * it runs out, a release during the acquire gives the late lease back, background refresh failures
 * are reported, and the release can ask for keepalive.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  HoldfastApiError,
  HoldfastNetworkError,
  LockHolder,
  formatMs,
  type LockTransport,
  type RemoteLease,
  type ReleaseOptions,
} from "../../src/client/index.js";

const lease = (token: string, expiresIn = 10_000): RemoteLease => ({
  key: "k",
  lockId: token,
  token,
  fence: 1,
  ttlMs: expiresIn,
  expiresIn,
  expiresAt: 0,
});

/** A transport whose answers the test releases by hand. */
function scripted() {
  const calls: { op: string; token?: string; options?: ReleaseOptions }[] = [];
  let answer: ((l: RemoteLease) => void) | undefined;
  let fail: ((e: unknown) => void) | undefined;
  const transport: LockTransport = {
    acquire: () => {
      calls.push({ op: "acquire" });
      return new Promise((resolve, reject) => {
        answer = resolve;
        fail = reject;
      });
    },
    refresh: (token) => {
      calls.push({ op: "refresh", token });
      return new Promise((resolve, reject) => {
        answer = resolve;
        fail = reject;
      });
    },
    release: async (token, options) => {
      calls.push({ op: "release", token, options });
    },
  };
  return { transport, calls, answer: (l: RemoteLease) => answer!(l), fail: (e: unknown) => fail!(e) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("LockHolder", () => {
  it("counts down from when the request was sent, on a monotonic clock, and loses the lease at 0", async () => {
    vi.useFakeTimers({
      toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date", "performance"],
    });
    const t = scripted();
    const holder = new LockHolder(t.transport, { ttlMs: 10_000, refreshEveryMs: 0 });
    const acquired = holder.acquire();
    await vi.advanceTimersByTimeAsync(300); // the round trip: the server counted its 10 s from later
    t.answer(lease("a"));
    expect((await acquired).status).toBe("held");
    expect(holder.remainingMs()).toBe(9_700);
    expect(holder.formatRemainingTime()).toBe("0:10");
    // The wall clock jumps an hour ahead, then two back: performance.now() does not move.
    vi.setSystemTime(Date.now() + 3_600_000);
    expect(holder.remainingMs()).toBe(9_700);
    vi.setSystemTime(Date.now() - 7_200_000);
    expect(holder.remainingMs()).toBe(9_700);
    await vi.advanceTimersByTimeAsync(8_700);
    expect(holder.formatRemainingTime()).toBe("0:01");
    expect(holder.state.status).toBe("held");
    await vi.advanceTimersByTimeAsync(1_000);
    expect(holder.state).toMatchObject({ status: "lost", reason: expect.stringMatching(/ran out/) });
    expect(holder.remainingMs()).toBe(0);
  });

  it("measures on an injected clock", async () => {
    let now = 5;
    const t = scripted();
    const holder = new LockHolder(t.transport, { refreshEveryMs: 0, clock: () => now });
    const acquired = holder.acquire();
    now = 105;
    t.answer(lease("a", 1_000));
    await acquired;
    expect(holder.remainingMs()).toBe(900);
    expect(holder.remainingMs(1_004)).toBe(1);
    await holder.release();
  });

  it("gives back a lease that arrives after a release, and never holds twice", async () => {
    const t = scripted();
    const holder = new LockHolder(t.transport, { refreshEveryMs: 0 });
    const acquired = holder.acquire();
    expect(await holder.acquire()).toEqual({ status: "acquiring" }); // no second request
    await holder.release();
    t.answer(lease("late"));
    expect((await acquired).status).toBe("released");
    await Promise.resolve();
    expect(t.calls.map((c) => c.op)).toEqual(["acquire", "release"]);
    expect(t.calls[1].token).toBe("late");
  });

  it("reports a conflict as a state and other failures as errors", async () => {
    const t = scripted();
    const holder = new LockHolder(t.transport, { refreshEveryMs: 0 });
    const conflict = holder.acquire();
    t.fail(
      new HoldfastApiError(409, { error: { code: "HOLDFAST_LOCK_CONFLICT", remainingTtlMs: 5000 } }, null),
    );
    expect(await conflict).toEqual({ status: "conflict", remainingTtlMs: 5000 });
    const down = holder.acquire();
    t.fail(new HoldfastNetworkError("down"));
    await expect(down).rejects.toBeInstanceOf(HoldfastNetworkError);
    expect(holder.state.status).toBe("idle");
  });

  it("refreshes on its interval, reports a failed refresh, and releases with keepalive", async () => {
    vi.useFakeTimers();
    let now = 0;
    const t = scripted();
    const holder = new LockHolder(t.transport, { ttlMs: 3_000, refreshEveryMs: 1_000, clock: () => now });
    const errors: unknown[] = [];
    holder.onError((e) => errors.push(e));
    const acquired = holder.acquire();
    t.answer(lease("a", 3_000));
    await acquired;
    now += 1_000;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(t.calls.at(-1)).toMatchObject({ op: "refresh", token: "a" });
    t.answer(lease("a", 3_000));
    await vi.advanceTimersByTimeAsync(0);
    expect(holder.remainingMs()).toBe(3_000);
    now += 1_000;
    await vi.advanceTimersByTimeAsync(1_000);
    t.fail(new HoldfastNetworkError("blip"));
    await vi.advanceTimersByTimeAsync(0);
    expect(errors).toHaveLength(1);
    expect(holder.state.status).toBe("held"); // still 2 s left: kept, and refreshed again later
    await holder.release({ keepalive: true });
    expect(t.calls.at(-1)).toEqual({ op: "release", token: "a", options: { keepalive: true } });
    expect(holder.state.status).toBe("released");
  });

  it("loses a lease whose lock was closed, and releases it without an error", async () => {
    let now = 0;
    const t = scripted();
    const holder = new LockHolder(t.transport, { ttlMs: 10_000, clock: () => now });
    const acquired = holder.acquire();
    t.answer(lease("a"));
    await acquired;
    now += 1_000;
    const refreshed = holder.refresh();
    t.fail(new HoldfastApiError(409, { error: { code: "HOLDFAST_LOCK_CLOSED", key: "k" } }, null));
    await refreshed;
    expect(holder.state).toMatchObject({ status: "lost", reason: expect.stringMatching(/closed/) });

    const t2 = scripted();
    t2.transport.release = async () => {
      throw new HoldfastApiError(409, { error: { code: "HOLDFAST_LOCK_CLOSED", key: "k" } }, null);
    };
    const other = new LockHolder(t2.transport, { ttlMs: 10_000, clock: () => now });
    const got = other.acquire();
    t2.answer(lease("b"));
    await got;
    await other.release(); // closed: nothing to release, no error
    expect(other.state.status).toBe("released");
  });

  it("formats m:ss rounded up", () => {
    expect([0, 1, 999, 1000, 1001, 59_001, 120_000].map(formatMs)).toEqual([
      "0:00",
      "0:01",
      "0:01",
      "0:01",
      "0:02",
      "1:00",
      "2:00",
    ]);
  });
});
