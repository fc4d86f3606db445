import { describe, expect, inject, it } from "vitest";
import {
  serveWithKeys,
  expectStoreDown,
  onPrivateRedis,
  keyedServiceFor,
  routeService,
  routeTargets,
} from "./support.js";

const port = inject("redisPort");

const serve = serveWithKeys;

describe.each(routeTargets())("event routes over HTTP [%s]", (target) => {
  const t = routeService(target, keyedServiceFor);

  const append = (key: string, body: unknown) => t.call(key, "POST", "/v1/events", body);

  it("appends events and answers seed 000's SQL query over HTTP", async () => {
    const first = await append(t.acme, {
      source: "assignment.state_machine",
      type: "transition",
      context: { id: "b-1", from: "created", to: "capacity_verified", version: 2 },
    });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      id: expect.stringMatching(/^\d+-\d+$/),
      source: "assignment.state_machine",
      type: "transition",
      at: Number(first.body.id.split("-")[0]),
    });
    await append(t.acme, {
      source: "assignment.state_machine",
      type: "transition",
      context: { id: "b-1", from: "capacity_verified", to: "assigned", version: 3 },
    });
    await append(t.acme, { source: "assignment.state_machine", type: "retry", context: { id: "b-2" } });
    await append(t.acme, { source: "checkout", type: "payment_failed" });

    // SELECT … FROM observability_events WHERE source = 'assignment.state_machine'
    //   AND created_at > NOW() - INTERVAL '5 minutes' ORDER BY created_at DESC
    const recent = await t.call(
      t.acme,
      "GET",
      "/v1/events?source=assignment.state_machine&since=5m&order=desc",
    );
    expect(recent.status).toBe(200);
    expect(recent.body.count).toBe(3);
    expect(recent.body.events.map((e: { type: string }) => e.type)).toEqual([
      "retry",
      "transition",
      "transition",
    ]);
    expect(recent.body.events[2]).toEqual({
      id: first.body.id,
      source: "assignment.state_machine",
      type: "transition",
      at: first.body.at,
      context: { id: "b-1", from: "created", to: "capacity_verified", version: 2 },
    });

    const transitions = await t.call(
      t.acme,
      "GET",
      "/v1/events?source=assignment.state_machine&type=transition",
    );
    expect(transitions.body.events.map((e: { context: { version: number } }) => e.context.version)).toEqual([
      2, 3,
    ]);
    const everything = await t.call(t.acme, "GET", "/v1/events");
    expect(everything.body.count).toBe(4);
    const limited = await t.call(t.acme, "GET", "/v1/events?order=desc&limit=1");
    expect(limited.body.events.map((e: { source: string }) => e.source)).toEqual(["checkout"]);
    const iso = new Date(first.body.at).toISOString();
    expect((await t.call(t.acme, "GET", `/v1/events?since=${encodeURIComponent(iso)}`)).body.count).toBe(4);
    expect((await t.call(t.acme, "GET", `/v1/events?until=${first.body.at}`)).body.count).toBe(0);
    expect((await t.call(t.acme, "GET", `/v1/events?since=${first.body.at + 3_600_000}`)).body.count).toBe(0);
    expect((await t.call(t.acme, "GET", "/v1/events?until=1h")).body.count).toBe(0);
    const sources = await t.call(t.acme, "GET", "/v1/events/sources");
    expect(sources.body).toEqual({ sources: ["assignment.state_machine", "checkout"], nextCursor: null });
    const page1 = await t.call(t.acme, "GET", "/v1/events/sources?limit=1");
    expect(page1.body).toEqual({ sources: ["assignment.state_machine"], nextCursor: expect.any(String) });
    const next = await t.call(t.acme, "GET", `/v1/events/sources?limit=1&cursor=${page1.body.nextCursor}`);
    expect(next.body.sources).toEqual(["checkout"]);
    const bad = await t.call(t.acme, "GET", "/v1/events/sources?cursor=nope");
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ field: "query.cursor" });
  });

  it("rejects bad input with 400 naming the field, and appends nothing", async () => {
    const bad: [unknown, string][] = [
      [{ type: "x" }, "body.source"],
      [{ source: "has space", type: "x" }, "body.source"],
      [{ source: "{tagged}", type: "x" }, "body.source"],
      [{ source: "s".repeat(129), type: "x" }, "body.source"],
      [{ source: "bad_input", type: "" }, "body.type"],
      [{ source: "bad_input", type: "x", context: [1, 2] }, "body.context"],
      [{ source: "bad_input", type: "x", context: "text" }, "body.context"],
      [{ source: "bad_input", type: "x", context: { big: "x".repeat(70_000) } }, "body.context"],
    ];
    for (const [body, field] of bad) {
      const r = await append(t.acme, body);
      expect(r.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(r.body.error).toMatchObject({ code: "HOLDFAST_INVALID_ARGUMENT", field });
    }
    for (const [query, field] of [
      ["limit=0", "query.limit"],
      ["limit=10001", "query.limit"],
      ["limit=abc", "query.limit"],
      ["order=up", "query.order"],
      ["since=yesterday", "query.since"],
      ["until=-5", "query.until"],
      ["source=a%20b", "query.source"],
      ["type=%7Bx%7D", "query.type"],
    ]) {
      const r = await t.call(t.acme, "GET", `/v1/events?${query}`);
      expect(r.status, query).toBe(400);
      expect(r.body.error.field).toBe(field);
    }
    expect((await t.call(t.acme, "GET", "/v1/events?source=bad_input")).body.count).toBe(0);
    expect((await t.call(t.acme, "GET", "/v1/events/sources")).body.sources).not.toContain("bad_input");
  });

  it("keeps tenants apart: another tenant sees none of the events or sources", async () => {
    await append(t.acme, { source: "audit", type: "login", context: { user: "u1" } });
    expect((await t.call(t.globex, "GET", "/v1/events?source=audit")).body.count).toBe(0);
    expect((await t.call(t.globex, "GET", "/v1/events")).body.count).toBe(0);
    expect((await t.call(t.globex, "GET", "/v1/events/sources")).body.sources).toEqual([]);
    await append(t.globex, { source: "audit", type: "logout" });
    const mine = await t.call(t.acme, "GET", "/v1/events?source=audit");
    expect(mine.body.events.map((e: { type: string }) => e.type)).toEqual(["login"]);
  });
});

describe.runIf(port !== null)("event routes when the store is down", () => {
  const down = onPrivateRedis(serve);

  it("answers 503 with Retry-After: an append is never reported as done", async () => {
    const { service: t, redis } = down;
    expect((await t.call(t.acme, "POST", "/v1/events", { source: "s1", type: "t" })).status).toBe(201);
    await redis.kill();
    const calls: [string, string, unknown][] = [
      ["POST", "/v1/events", { source: "s1", type: "t" }],
      ["POST", "/v1/events", { source: "new_source", type: "t" }],
      ["GET", "/v1/events?source=s1", undefined],
      ["GET", "/v1/events", undefined],
      ["GET", "/v1/events?since=5m", undefined],
      ["GET", "/v1/events/sources", undefined],
    ];
    const answers = [];
    for (const [method, path, body] of calls) {
      answers.push({ ...(await t.call(t.acme, method, path, body)), what: `${method} ${path}` });
    }
    expectStoreDown(answers);
  });
});
