import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { describeTimingStores } from "../support/stores.js";
import { createSessions, sessionId } from "../../src/session/index.js";
import { InvalidArgumentError } from "../../src/errors/invalid-argument-error.js";
import { rawDump } from "../queue/raw.js";

const jwt = () => `eyJhbGciOiJIUzI1NiJ9.${randomUUID()}.${randomUUID()}`;
const user = () => `user-${randomUUID().slice(0, 8)}`;

describeTimingStores("sessions", ({ store, another, elapse }) => {
  it("stores a session and finds it by token, with or without the user hint", async () => {
    const s = createSessions<{ roles: string[] }>(store());
    const other = createSessions<{ roles: string[] }>(await another());
    const token = jwt();
    const u = user();
    const put = await s.put(token, { user: u, data: { roles: ["buyer"] } });
    expect(put).toMatchObject({ id: sessionId(token), user: u, ttlMs: 86_400_000 });
    const got = await other.get(token);
    expect(got).toMatchObject({
      id: sessionId(token),
      user: u,
      data: { roles: ["buyer"] },
      ttlMs: 86_400_000,
    });
    expect(got!.expiresInMs).toBeGreaterThan(86_300_000);
    expect(got!.createdAtMs).toBe(put.createdAtMs);
    expect(Math.abs(got!.createdAtMs - Date.now())).toBeLessThan(5000);
    expect(await other.get(token, { user: u })).toMatchObject({ user: u, data: { roles: ["buyer"] } });
    expect(await other.get(token, { user: "someone-else" })).toBeNull();
    expect(await other.get(jwt())).toBeNull();
    // Without data.
    const t2 = jwt();
    await s.put(t2, { user: u, ttlMs: 60_000 });
    expect(await s.get(t2)).toMatchObject({ data: undefined, ttlMs: 60_000 });
  });

  it("slides the TTL on touch and lets an untouched session expire", async () => {
    const s = createSessions(store());
    const kept = jwt();
    const dropped = jwt();
    const hinted = jwt();
    const u = user();
    await s.put(kept, { user: u, ttlMs: 1200 });
    await s.put(dropped, { user: u, ttlMs: 1200 });
    await s.put(hinted, { user: u, ttlMs: 1200 });
    // 2.5 s of store time, touching every 150 ms.
    for (let i = 0; i < 17; i++) {
      const t = await s.touch(kept);
      expect(t).not.toBeNull();
      expect(t!.expiresInMs).toBeGreaterThan(900);
      expect(await s.touch(hinted, { user: u })).not.toBeNull();
      await elapse(150);
    }
    expect(await s.get(dropped)).toBeNull();
    expect(await s.touch(dropped)).toBeNull();
    // The hinted touch slid the token pointer as well: a token-only lookup still works.
    expect(await s.get(hinted)).toMatchObject({ user: u });
    expect((await s.list(u)).map((x) => x.id).sort()).toEqual([sessionId(kept), sessionId(hinted)].sort());
    await elapse(2000);
    expect(await s.get(kept)).toBeNull();
    expect(await s.list(u)).toEqual([]);
  });

  it("revokes one session, and all of a user's sessions atomically", async () => {
    const s = createSessions(store());
    const a = user();
    const b = user();
    const aTokens = [jwt(), jwt(), jwt()];
    const bToken = jwt();
    for (const t of aTokens) await s.put(t, { user: a, data: { t: t.slice(-4) } });
    await s.put(bToken, { user: b });
    const listed = await s.list(a);
    expect(listed.map((x) => x.id).sort()).toEqual(aTokens.map(sessionId).sort());
    expect(listed.every((x) => x.user === a && x.expiresInMs > 86_000_000)).toBe(true);

    expect(await s.revoke(aTokens[0])).toBe(true);
    expect(await s.revoke(aTokens[0])).toBe(false);
    expect(await s.get(aTokens[0])).toBeNull();
    // A wrong user hint ends nothing and leaves the token reachable.
    expect(await s.revoke(aTokens[1], { user: b })).toBe(false);
    expect(await s.get(aTokens[1])).toMatchObject({ user: a });
    expect(await s.revoke(aTokens[1], { user: a })).toBe(true);
    expect(await s.get(aTokens[1])).toBeNull();
    expect((await s.list(a)).map((x) => x.id)).toEqual([sessionId(aTokens[2])]);

    await s.put(aTokens[0], { user: a });
    expect(await s.revokeAll(a)).toBe(2);
    for (const t of aTokens) expect(await s.get(t)).toBeNull();
    expect(await s.list(a)).toEqual([]);
    expect(await s.revokeAll(a)).toBe(0);
    expect(await s.get(bToken)).toMatchObject({ user: b });
  });

  it("keeps at most maxSessionsPerUser, removing those that expire soonest", async () => {
    const s = createSessions(store(), { maxSessionsPerUser: 3 });
    const u = user();
    const tokens = [jwt(), jwt(), jwt(), jwt()];
    for (let i = 0; i < tokens.length; i++) await s.put(tokens[i], { user: u, ttlMs: 60_000 + i * 1000 });
    expect(await s.get(tokens[0])).toBeNull();
    expect((await s.list(u)).map((x) => x.id)).toEqual(tokens.slice(1).map(sessionId));
    // Replacing an existing session does not evict anyone.
    await s.put(tokens[3], { user: u, ttlMs: 90_000 });
    expect((await s.list(u)).length).toBe(3);
  });

  it("moves a token put again for another user", async () => {
    const s = createSessions(store());
    const token = jwt();
    const a = user();
    const b = user();
    await s.put(token, { user: a });
    await s.put(token, { user: b });
    expect(await s.get(token)).toMatchObject({ user: b });
    expect(await s.list(a)).toEqual([]);
    expect(await s.get(token, { user: a })).toBeNull();
  });

  it("never stores the raw token: only its SHA-256", async () => {
    const s = createSessions(store());
    const token = jwt();
    const u = user();
    await s.put(token, { user: u, data: { plan: "gold" } });
    const dump = await rawDump(store());
    const mine = [...dump].filter(([k]) => k.includes(u) || k.includes(sessionId(token)));
    expect(mine.length).toBe(3); // record, user index, token pointer
    for (const [key, value] of dump) {
      expect(key).not.toContain(token);
      expect(value).not.toContain(token);
      // Not even a recognisable part of it.
      expect(value).not.toContain(token.split(".")[1]);
    }
    expect(mine.some(([k]) => k.includes(sessionId(token)))).toBe(true);
    expect(mine.some(([, v]) => v.includes("gold"))).toBe(true);
  });

  it("rejects bad input with InvalidArgumentError before writing anything", async () => {
    const s = createSessions(store());
    const u = user();
    const token = jwt();
    const big = { blob: "x".repeat(70_000) };
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const bad: [() => Promise<unknown>, string][] = [
      [() => s.put("", { user: u }), "token"],
      [() => s.put("x".repeat(20_000), { user: u }), "token"],
      [() => s.put(token, { user: "" }), "user"],
      [() => s.put(token, { user: u, ttlMs: 0 }), "ttlMs"],
      [() => s.put(token, { user: u, ttlMs: -5 }), "ttlMs"],
      [() => s.put(token, { user: u, ttlMs: 1.5 }), "ttlMs"],
      [() => s.put(token, { user: u, data: big }), "data"],
      [() => s.put(token, { user: u, data: cyclic }), "data"],
      [() => s.put(token, { user: u, data: 10n }), "data"],
      [() => s.put(token, null as never), "input"],
      [() => s.get(""), "token"],
      [() => s.get(token, { user: "" }), "user"],
      [() => s.touch(""), "token"],
      [() => s.revoke(""), "token"],
      [() => s.list(""), "user"],
      [() => s.revokeAll(""), "user"],
    ];
    for (const [call, field] of bad) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect((err as InvalidArgumentError).field).toBe(field);
    }
    for (const [opts, field] of [
      [{ ttlMs: 0 }, "ttlMs"],
      [{ maxSessionsPerUser: 0 }, "maxSessionsPerUser"],
      [{ reclaimLimit: 1.5 }, "reclaimLimit"],
    ] as const) {
      let caught: unknown;
      try {
        createSessions(store(), opts);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(InvalidArgumentError);
      expect((caught as InvalidArgumentError).field).toBe(field);
    }
    const dump = await rawDump(store());
    expect([...dump.keys()].filter((k) => k.includes(u) || k.includes(sessionId(token)))).toEqual([]);
  });
});
