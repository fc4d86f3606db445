/** Semaphore routes over real HTTP, against a real server on a free port and a private Redis. */
import { describe, expect, it } from "vitest";
import { inject } from "vitest";
import fc from "fast-check";
import {
  serveAs,
  callersFor,
  type Answer,
  fuzzArea,
  fuzzValues,
  expectStoreDown,
  onPrivateRedis,
  routeService,
  routeTargets,
} from "./support.js";

const port = inject("redisPort");

const serve = serveAs;

const sem = (name: string, rest = "") => `/v1/semaphores/${encodeURIComponent(name)}${rest}`;

describe.each(routeTargets())("semaphore routes over HTTP [%s]", (target) => {
  const s = routeService(target, callersFor);

  it("acquires, refuses a full semaphore with its state, refreshes, counts and releases", async () => {
    const name = "exports:{acme}";
    const a = await s.acme("POST", sem(name, "/acquire"), {
      limit: 2,
      ttlMs: 60_000,
      metadata: { host: "w1", pid: 7 },
    });
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({
      acquired: true,
      name,
      token: expect.any(String),
      limit: 2,
      holders: 1,
      ttlMs: 60_000,
      metadata: { host: "w1", pid: 7 },
    });
    expect(a.body.expiresIn).toBeGreaterThan(50_000);
    const b = await s.acme("POST", sem(name, "/acquire"), { limit: 2 });
    expect(b.status).toBe(200);
    expect(b.body.holders).toBe(2);

    const full = await s.acme("POST", sem(name, "/acquire"), { limit: 2 });
    expect(full.status).toBe(409);
    expect(full.body.error).toMatchObject({
      code: "HOLDFAST_SEMAPHORE_FULL",
      semaphore: name,
      holders: 2,
      limit: 2,
      retryAfterMs: expect.any(Number),
    });
    expect(full.body.error.retryAfterMs).toBeGreaterThan(0);
    expect(Number(full.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);

    expect((await s.acme("GET", sem(name))).body).toEqual({ name, count: 2 });
    const holders = await s.acme("GET", sem(name, "/holders"));
    expect(holders.status).toBe(200);
    expect(holders.body.count).toBe(2);
    expect(holders.body.holders[1]).toMatchObject({ metadata: { host: "w1", pid: 7 } });
    expect(holders.body.holders.every((h: { token?: string }) => h.token === undefined)).toBe(true);

    const refreshed = await s.acme("POST", sem(name, "/refresh"), { token: a.body.token, ttlMs: 90_000 });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toMatchObject({ name, token: a.body.token, ttlMs: 90_000 });
    expect(refreshed.body.expiresAt).toBeGreaterThan(a.body.expiresAt);

    const released = await s.acme("POST", sem(name, "/release"), { token: a.body.token });
    expect(released.status).toBe(200);
    expect(released.body).toEqual({ name, released: true, holders: 1 });
    for (const op of ["/release", "/refresh"]) {
      const again = await s.acme("POST", sem(name, op), { token: a.body.token });
      expect(again.status).toBe(409);
      expect(again.body.error).toMatchObject({
        code: "HOLDFAST_SEMAPHORE_PERMIT_NOT_HELD",
        semaphore: name,
        token: a.body.token,
      });
    }
    expect((await s.acme("POST", sem(name, "/release"), { token: b.body.token })).body.holders).toBe(0);
    expect((await s.acme("GET", sem(name))).body.count).toBe(0);
  });

  it("pages holders with limit and cursor, and refuses a cursor it did not issue", async () => {
    const name = "paged:{acme}";
    for (let i = 0; i < 5; i++) await s.acme("POST", sem(name, "/acquire"), { limit: 10, ttlMs: 60_000 });
    const first = await s.acme("GET", sem(name, "/holders?limit=3"));
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ count: 3, nextCursor: expect.any(String) });
    const rest = await s.acme("GET", sem(name, `/holders?limit=3&cursor=${first.body.nextCursor}`));
    expect(rest.body).toMatchObject({ count: 2, nextCursor: null });
    const bad = await s.acme("GET", sem(name, "/holders?cursor=abc"));
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: "HOLDFAST_INVALID_ARGUMENT", field: "query.cursor" });
    const tooMany = await s.acme("GET", sem(name, "/holders?limit=100000"));
    expect(tooMany.status).toBe(400);
  });

  it("returns the same permit to a retry with the caller's owner token", async () => {
    const first = await s.acme("POST", sem("owned", "/acquire"), { limit: 1, owner: "job-17" });
    const retry = await s.acme("POST", sem("owned", "/acquire"), { limit: 1, owner: "job-17" });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ token: "job-17", holders: 1 });
    expect(first.body.token).toBe("job-17");
    await s.acme("POST", sem("owned", "/release"), { token: "job-17" });
  });

  it("waits up to waitMs for a permit released meanwhile", async () => {
    const held = await s.acme("POST", sem("waited", "/acquire"), { limit: 1 });
    const waiting = s.acme("POST", sem("waited", "/acquire"), { limit: 1, waitMs: 20_000 });
    await new Promise((r) => setTimeout(r, 300));
    await s.acme("POST", sem("waited", "/release"), { token: held.body.token });
    const got = await waiting;
    expect(got.status).toBe(200);
    await s.acme("POST", sem("waited", "/release"), { token: got.body.token });
  });

  // A hang-up needs a socket: on the service over HTTP only.
  it.runIf(target === "redis")("stops waiting, and keeps no permit, when the client hangs up", async () => {
    const held = await s.acme("POST", sem("hang-up", "/acquire"), { limit: 1 });
    const gone = new AbortController();
    const { url } = s.server as { url?: string };
    const waiting = fetch(url + sem("hang-up", "/acquire"), {
      method: "POST",
      headers: { authorization: s.bearer.acme, "content-type": "application/json" },
      body: JSON.stringify({ limit: 1, waitMs: 20_000 }),
      signal: gone.signal,
    }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 500));
    gone.abort();
    expect(await waiting).toBeInstanceOf(Error);
    await new Promise((r) => setTimeout(r, 200));
    await s.acme("POST", sem("hang-up", "/release"), { token: held.body.token });
    // Had the server kept waiting, it would take the freed permit for nobody.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await s.acme("GET", sem("hang-up"))).body.count).toBe(0);
  });

  it("rejects bad input with 400 naming the field, and writes nothing", async () => {
    const cases: [string, unknown, string][] = [
      ["/acquire", {}, "body.limit"],
      ["/acquire", { limit: 0 }, "body.limit"],
      ["/acquire", { limit: 1.5 }, "body.limit"],
      ["/acquire", { limit: 2_000_000 }, "body.limit"],
      ["/acquire", { limit: 1, ttlMs: 0 }, "body.ttlMs"],
      ["/acquire", { limit: 1, waitMs: -1 }, "body.waitMs"],
      ["/acquire", { limit: 1, waitMs: 70_000 }, "body.waitMs"],
      ["/acquire", { limit: 1, owner: "" }, "body.owner"],
      ["/acquire", { limit: 1, metadata: { nested: { a: 1 } } }, "body.metadata.nested"],
      ["/refresh", { token: "t", ttlMs: "10" }, "body.ttlMs"],
      ["/refresh", {}, "body.token"],
      ["/release", { token: "x".repeat(300) }, "body.token"],
    ];
    for (const [op, body, field] of cases) {
      const r = await s.acme("POST", sem("bad-input", op), body);
      expect(r.status, `${op} ${JSON.stringify(body)}`).toBe(400);
      expect(r.body.error).toMatchObject({ code: "HOLDFAST_INVALID_ARGUMENT", field });
    }
    const longName = await s.acme("POST", sem("n".repeat(600), "/acquire"), { limit: 1 });
    expect(longName.status).toBe(400);
    expect(longName.body.error.field).toBe("params.name");
    expect((await s.acme("GET", sem("bad-input"))).body.count).toBe(0);
  });

  it("keeps tenants apart whatever tokens they guess", async () => {
    const mine = await s.acme("POST", sem("shared-name", "/acquire"), { limit: 1, ttlMs: 30_000 });
    // globex's "shared-name" is its own semaphore: acme's permit does not fill it
    const theirs = await s.globex("POST", sem("shared-name", "/acquire"), { limit: 1 });
    expect(theirs.status).toBe(200);
    for (const op of ["/release", "/refresh"]) {
      const r = await s.globex("POST", sem("shared-name", op), { token: mine.body.token });
      expect(r.status).toBe(409);
    }
    const seen = await s.globex("GET", sem("shared-name", "/holders"));
    expect(seen.body.count).toBe(1);
    expect((await s.acme("GET", sem("shared-name"))).body.count).toBe(1);
    expect((await s.acme("POST", sem("shared-name", "/refresh"), { token: mine.body.token })).status).toBe(
      200,
    );
    await s.globex("POST", sem("shared-name", "/release"), { token: theirs.body.token });
    await s.acme("POST", sem("shared-name", "/release"), { token: mine.body.token });
  });

  it("shows holders' tokens to admins only", async () => {
    const p = await s.acme("POST", sem("tokens", "/acquire"), { limit: 3 });
    const refused = await s.acme("GET", sem("tokens", "/holders?includeTokens=true"));
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("HOLDFAST_FORBIDDEN");
    const shown = await s.admin("GET", sem("tokens", "/holders?includeTokens=true"));
    expect(shown.status).toBe(200);
    expect(shown.body.holders).toEqual([expect.objectContaining({ token: p.body.token })]);
    await s.acme("POST", sem("tokens", "/release"), { token: p.body.token });
  });
});

describe.runIf(port !== null)("semaphore routes when the store is down", () => {
  // Keys stay cached for a minute, so requests pass auth and reach the routes once Redis is gone.
  const down = onPrivateRedis(serve);

  it("answer 503 with Retry-After and acquire nothing (fail closed)", { timeout: 60_000 }, async () => {
    const { redis, service: s } = down;
    const held = await s.acme("POST", sem("down", "/acquire"), { limit: 1 });
    expect(held.status).toBe(200);
    await redis.kill();
    const answers = await Promise.all([
      s.acme("POST", sem("down", "/acquire"), { limit: 5 }),
      s.acme("POST", sem("down", "/refresh"), { token: held.body.token }),
      s.acme("POST", sem("down", "/release"), { token: held.body.token }),
      s.acme("GET", sem("down")),
      s.acme("GET", sem("down", "/holders")),
    ]);
    expectStoreDown(answers);
    await redis.start();
    // The permit taken before the crash is gone with the unpersisted Redis; nothing new was taken.
    let count: Answer | undefined;
    for (let i = 0; i < 50 && count?.status !== 200; i++) {
      count = await s.acme("GET", sem("down"));
      if (count.status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(count?.body.count).toBe(0);
  });
});

/**
 * Random bodies built from this area's own field names, against its routes in-process on the memory
 * store (the global fuzz test rarely sends a valid `limit`): never a 500, and a 4xx leaves
 * every key exactly as it was.
 */
describe("semaphore routes under random input", () => {
  it("never answer 500, and a rejected request changes nothing", { timeout: 60_000 }, async () => {
    const { int, ttl, name } = fuzzValues(["s1", "s2", "{t}:s"]);
    await fuzzArea({
      prefix: "/v1/semaphores/",
      params: ["s1", "s2", "{t}:s"],
      body: fc.oneof(
        fc.oneof(
          fc.record({
            limit: fc.integer({ min: 1, max: 2 }),
            ttlMs: fc.constant(120_000),
            owner: fc.constantFrom("o1", "o2", "o3"),
          }),
          fc.record({ token: fc.constantFrom("o1", "o2", "o3"), ttlMs: fc.constant(120_000) }),
        ),
        fc.record(
          {
            limit: int,
            ttlMs: ttl,
            waitMs: fc.constantFrom(0, 10, -1, 70_000, "5"),
            owner: name,
            token: name,
            metadata: fc.oneof(
              fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
              fc.string(),
            ),
          },
          { requiredKeys: [] },
        ),
      ),
      query: fc.option(fc.constantFrom("includeTokens=true", "includeTokens=no", "includeTokens=false"), {
        nil: undefined,
      }),
    });
  });
});
