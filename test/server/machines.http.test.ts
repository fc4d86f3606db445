import { beforeAll, describe, expect, inject, it } from "vitest";
import type { Store } from "../../src/store/types.js";
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

const booking = {
  states: ["created", "capacity_verified", "assigned", "confirmed", "failed"],
  initial: "created",
  events: ["verify_capacity", "assign", "confirm", "fail"],
  transitions: [
    { event: "verify_capacity", from: "created", to: "capacity_verified" },
    { event: "assign", from: "capacity_verified", to: "assigned" },
    { event: "confirm", from: "assigned", to: "confirmed" },
    { event: "fail", from: ["created", "capacity_verified", "assigned"], to: "failed" },
  ],
};

describe.each(routeTargets())("machine routes over HTTP [%s]", (target) => {
  let store: Store;
  const t = routeService(target, keyedServiceFor, (ready) => {
    store = ready;
  });
  beforeAll(async () => {
    expect((await t.call(t.acme, "PUT", "/v1/machines/booking", booking)).status).toBe(200);
  });

  it("stores a definition once, reads it back, and treats the same definition again as no change", async () => {
    const put = await t.call(t.acme, "PUT", "/v1/machines/door", {
      name: "door",
      states: ["closed", "open"],
      initial: "closed",
      events: ["open", "close"],
      transitions: [
        { event: "open", from: "closed", to: "open" },
        { event: "close", from: "open", to: "closed" },
      ],
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      machine: "door",
      version: 1,
      changed: true,
      updatedAt: expect.any(Number),
    });
    const again = await t.call(t.acme, "PUT", "/v1/machines/door", { ...put.body.definition });
    expect(again.body).toMatchObject({ version: 1, changed: false });
    const got = await t.call(t.acme, "GET", "/v1/machines/door");
    expect(got.status).toBe(200);
    expect(got.body).toEqual({
      machine: "door",
      definition: put.body.definition,
      version: 1,
      updatedAt: expect.any(Number),
    });
    const changed = await t.call(t.acme, "PUT", "/v1/machines/door", {
      ...put.body.definition,
      states: ["closed", "open", "locked"],
      events: ["open", "close", "lock"],
      transitions: [...put.body.definition.transitions, { event: "lock", from: "closed", to: "locked" }],
    });
    expect(changed.body).toMatchObject({ version: 2, changed: true });
    expect((await t.call(t.acme, "GET", "/v1/machines/nothing-here")).body.error.code).toBe(
      "HOLDFAST_MACHINE_NOT_FOUND",
    );
  });

  it("refuses inconsistent definitions with 400 naming the problem (guards cannot travel over HTTP)", async () => {
    const bad: [unknown, Record<string, unknown>][] = [
      [
        { ...booking, initial: "nowhere" },
        { code: "HOLDFAST_MACHINE_DEFINITION", problem: "unknown-initial-state", state: "nowhere" },
      ],
      [
        { ...booking, states: [...booking.states, "limbo"] },
        { code: "HOLDFAST_MACHINE_DEFINITION", problem: "unreachable-state", state: "limbo" },
      ],
      [
        {
          ...booking,
          transitions: [
            ...booking.transitions,
            { event: "assign", from: "created", to: "assigned" },
            { event: "assign", from: "created", to: "failed" },
          ],
        },
        { code: "HOLDFAST_MACHINE_DEFINITION", problem: "duplicate-transition", event: "assign" },
      ],
      [
        { ...booking, events: [...booking.events, "bad event"] },
        { code: "HOLDFAST_MACHINE_DEFINITION", problem: "invalid-event" },
      ],
      [
        { ...booking, transitions: [{ ...booking.transitions[0], guard: "data.partySize < 8" }] },
        {
          code: "HOLDFAST_INVALID_ARGUMENT",
          field: "body.transitions.0.guard",
          reason: expect.stringMatching(/guards are code/),
        },
      ],
      [
        { ...booking, name: "other" },
        { code: "HOLDFAST_INVALID_ARGUMENT", field: "body.name" },
      ],
      [
        { ...booking, states: "created" },
        { code: "HOLDFAST_INVALID_ARGUMENT", field: "body.states" },
      ],
      [
        { ...booking, transitions: [{ event: "assign", form: "created", to: "assigned" }] },
        { code: "HOLDFAST_INVALID_ARGUMENT" },
      ],
    ];
    for (const [body, error] of bad) {
      const r = await t.call(t.acme, "PUT", "/v1/machines/rejected", body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error).toMatchObject(error);
    }
    const badName = await t.call(t.acme, "PUT", "/v1/machines/has%20space", booking);
    expect(badName.body.error).toMatchObject({ field: "params.machine" });
    expect((await t.call(t.acme, "GET", "/v1/machines/rejected")).status).toBe(404);
  });

  it("creates, reads, moves an entity, and records its history and event-log copy", async () => {
    const created = await t.call(t.acme, "POST", "/v1/machines/booking/entities/b-1", {
      data: { restaurantId: "r-5", partySize: 4 },
      actor: "api",
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      machine: "booking",
      id: "b-1",
      state: "created",
      version: 1,
      eventLog: "appended",
    });
    const dup = await t.call(t.acme, "POST", "/v1/machines/booking/entities/b-1", {});
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({
      code: "HOLDFAST_MACHINE_ENTITY_EXISTS",
      currentState: "created",
      currentVersion: 1,
    });

    const got = await t.call(t.acme, "GET", "/v1/machines/booking/entities/b-1");
    expect(got.body).toMatchObject({
      machine: "booking",
      id: "b-1",
      state: "created",
      version: 1,
      data: { restaurantId: "r-5", partySize: 4 },
      allowedEvents: ["verify_capacity", "fail"],
    });

    const sent = await t.call(t.acme, "POST", "/v1/machines/booking/entities/b-1/events", {
      event: "verify_capacity",
      expectedVersion: 1,
      data: { checkedBy: "svc" },
      actor: "capacity.service",
    });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({
      machine: "booking",
      id: "b-1",
      event: "verify_capacity",
      from: "created",
      to: "capacity_verified",
      state: "capacity_verified",
      version: 2,
      replayed: false,
      eventLog: "appended",
    });

    const stale = await t.call(t.acme, "POST", "/v1/machines/booking/entities/b-1/events", {
      event: "assign",
      expectedVersion: 1,
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({
      code: "HOLDFAST_VERSION_CONFLICT",
      currentState: "capacity_verified",
      currentVersion: 2,
      expectedVersion: 1,
    });
    const invalid = await t.call(t.acme, "POST", "/v1/machines/booking/entities/b-1/events", {
      event: "confirm",
    });
    expect(invalid.status).toBe(409);
    expect(invalid.body.error).toMatchObject({
      code: "HOLDFAST_INVALID_TRANSITION",
      state: "capacity_verified",
      allowedEvents: ["assign", "fail"],
      currentVersion: 2,
    });

    const history = await t.call(t.acme, "GET", "/v1/machines/booking/entities/b-1/history");
    expect(history.status).toBe(200);
    expect(history.body.count).toBe(2);
    expect(history.body.history).toEqual([
      expect.objectContaining({ event: "$create", from: null, to: "created", version: 1, actor: "api" }),
      expect.objectContaining({
        event: "verify_capacity",
        from: "created",
        to: "capacity_verified",
        version: 2,
        actor: "capacity.service",
        data: { checkedBy: "svc" },
      }),
    ]);
    const newest = await t.call(
      t.acme,
      "GET",
      "/v1/machines/booking/entities/b-1/history?order=desc&limit=1",
    );
    expect(newest.body.history.map((h: { version: number }) => h.version)).toEqual([2]);
    const since = await t.call(t.acme, "GET", "/v1/machines/booking/entities/b-1/history?since=1h");
    expect(since.body.count).toBe(2);

    const log = await t.call(t.acme, "GET", "/v1/events?source=booking.state_machine&order=asc");
    expect(log.body.events.filter((e: { context: { id: string } }) => e.context.id === "b-1")).toEqual([
      expect.objectContaining({
        type: "created",
        context: expect.objectContaining({ to: "created", version: 1 }),
      }),
      expect.objectContaining({
        type: "transition",
        context: expect.objectContaining({ from: "created", to: "capacity_verified", version: 2 }),
      }),
    ]);
  });

  it("answers 404 for an unknown machine or entity, and 400 for bad events and queries", async () => {
    const paths: [string, string, unknown][] = [
      ["POST", "/v1/machines/ghost/entities/x", {}],
      ["GET", "/v1/machines/ghost/entities/x", undefined],
      ["POST", "/v1/machines/ghost/entities/x/events", { event: "go" }],
      ["GET", "/v1/machines/ghost/entities/x/history", undefined],
    ];
    for (const [method, path, body] of paths) {
      const r = await t.call(t.acme, method, path, body);
      expect(r.status, path).toBe(404);
      expect(r.body.error.code).toBe("HOLDFAST_MACHINE_NOT_FOUND");
    }
    for (const [method, path, body] of [
      ["GET", "/v1/machines/booking/entities/missing", undefined],
      ["POST", "/v1/machines/booking/entities/missing/events", { event: "fail" }],
      ["GET", "/v1/machines/booking/entities/missing/history", undefined],
    ] as const) {
      const r = await t.call(t.acme, method, path, body);
      expect(r.status, path).toBe(404);
      expect(r.body.error).toMatchObject({ code: "HOLDFAST_MACHINE_ENTITY_NOT_FOUND", id: "missing" });
    }
    await t.call(t.acme, "POST", "/v1/machines/booking/entities/b-400", {});
    const bad: [string, string, unknown, string][] = [
      ["POST", "/v1/machines/booking/entities/b-400/events", { event: "teleport" }, "body.event"],
      [
        "POST",
        "/v1/machines/booking/entities/b-400/events",
        { event: "fail", expectedVersion: 0 },
        "body.expectedVersion",
      ],
      ["POST", "/v1/machines/booking/entities/b-400/events", { event: "fail", data: [1] }, "body.data"],
      ["POST", "/v1/machines/booking/entities/b-400/events", {}, "body.event"],
      ["POST", "/v1/machines/booking/entities/b-401", { data: "x" }, "body.data"],
      ["GET", "/v1/machines/booking/entities/b-400/history?limit=0", undefined, "query.limit"],
      ["GET", "/v1/machines/booking/entities/b-400/history?since=yesterday", undefined, "query.since"],
      ["GET", "/v1/machines/booking/entities/b-400/history?since=5m&after=1-0", undefined, "query.since"],
    ];
    for (const [method, path, body, field] of bad) {
      const r = await t.call(t.acme, method, path, body);
      expect(r.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(r.body.error.field).toBe(field);
    }
    const untouched = await t.call(t.acme, "GET", "/v1/machines/booking/entities/b-400");
    expect(untouched.body).toMatchObject({ state: "created", version: 1 });
    expect((await t.call(t.acme, "GET", "/v1/machines/booking/entities/b-401")).status).toBe(404);
  });

  it("answers a retried send with the first result (Idempotency-Key) instead of applying it twice", async () => {
    await t.call(t.acme, "POST", "/v1/machines/booking/entities/b-idem", {});
    const send = (
      headers: Record<string, string>,
      body: Record<string, unknown> = { event: "verify_capacity" },
    ) => t.call(t.acme, "POST", "/v1/machines/booking/entities/b-idem/events", body, headers);
    const first = await send({ "idempotency-key": "req-1" });
    const retry = await send({ "idempotency-key": "req-1" });
    expect(first.body).toMatchObject({ version: 2, replayed: false });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ version: 2, replayed: true, historyId: first.body.historyId });
    const viaBody = await send({}, { event: "assign", idempotencyKey: "req-2" });
    const viaBodyRetry = await send({ "idempotency-key": "req-2" }, { event: "assign" });
    expect(viaBody.body.version).toBe(3);
    expect(viaBodyRetry.body).toMatchObject({ version: 3, replayed: true });
    const reused = await send({ "idempotency-key": "req-1" }, { event: "confirm" });
    expect(reused.status).toBe(409);
    expect(reused.body.error).toMatchObject({
      code: "HOLDFAST_IDEMPOTENCY_KEY_REUSED",
      originalEvent: "verify_capacity",
    });
    const differ = await send({ "idempotency-key": "a" }, { event: "confirm", idempotencyKey: "b" });
    expect(differ.status).toBe(400);
    expect(differ.body.error.field).toBe("headers.idempotency-key");
    expect((await t.call(t.acme, "GET", "/v1/machines/booking/entities/b-idem")).body).toMatchObject({
      state: "assigned",
      version: 3,
    });
    expect((await t.call(t.acme, "GET", "/v1/machines/booking/entities/b-idem/history")).body.count).toBe(3);
  });

  it("lets exactly one of many concurrent senders with the same expectedVersion win", async () => {
    await t.call(t.acme, "POST", "/v1/machines/booking/entities/b-race", {});
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        t.call(t.acme, "POST", "/v1/machines/booking/entities/b-race/events", {
          event: i % 2 === 0 ? "verify_capacity" : "fail",
          expectedVersion: 1,
          actor: `client-${i}`,
        }),
      ),
    );
    const ok = results.filter((r) => r.status === 200);
    const conflicts = results.filter((r) => r.status === 409);
    expect(ok.length).toBe(1);
    expect(conflicts.length).toBe(23);
    for (const c of conflicts) {
      expect(c.body.error).toMatchObject({
        code: "HOLDFAST_VERSION_CONFLICT",
        currentVersion: 2,
        currentState: ok[0].body.to,
      });
    }
    const history = await t.call(t.acme, "GET", "/v1/machines/booking/entities/b-race/history");
    expect(history.body.history.map((h: { version: number }) => h.version)).toEqual([1, 2]);
  });

  it("keeps tenants apart: definitions, entities and histories", async () => {
    await t.call(t.acme, "POST", "/v1/machines/booking/entities/b-secret", { data: { vip: true } });
    expect((await t.call(t.globex, "GET", "/v1/machines/booking")).status).toBe(404);
    expect((await t.call(t.globex, "GET", "/v1/machines/booking/entities/b-secret")).body.error.code).toBe(
      "HOLDFAST_MACHINE_NOT_FOUND",
    );
    expect((await t.call(t.globex, "PUT", "/v1/machines/booking", booking)).body).toMatchObject({
      version: 1,
      changed: true,
    });
    expect((await t.call(t.globex, "GET", "/v1/machines/booking/entities/b-secret")).status).toBe(404);
    expect((await t.call(t.globex, "GET", "/v1/machines/booking/entities/b-secret/history")).status).toBe(
      404,
    );
    expect(
      (await t.call(t.globex, "POST", "/v1/machines/booking/entities/b-secret/events", { event: "fail" }))
        .status,
    ).toBe(404);
    expect((await t.call(t.acme, "GET", "/v1/machines/booking/entities/b-secret")).body).toMatchObject({
      state: "created",
      version: 1,
    });
  });

  it("shares definitions between server instances through the store", async () => {
    const other = await keyedServiceFor(target, store);
    try {
      const def = {
        states: ["on", "off"],
        initial: "off",
        events: ["toggle_on"],
        transitions: [{ event: "toggle_on", from: "off", to: "on" }],
      };
      await t.call(t.acme, "PUT", "/v1/machines/switch", def);
      // The other instance has never seen it: it reads it from the store.
      expect((await other.call(other.acme, "POST", "/v1/machines/switch/entities/s-1", {})).status).toBe(201);
      expect(
        (
          await other.call(other.acme, "POST", "/v1/machines/switch/entities/s-1/events", {
            event: "toggle_on",
          })
        ).status,
      ).toBe(200);
      await t.call(t.acme, "PUT", "/v1/machines/switch", {
        ...def,
        events: ["toggle_on", "toggle_off"],
        transitions: [...def.transitions, { event: "toggle_off", from: "on", to: "off" }],
      });
      // The other instance trusts its copy for at most a second, then sees the new definition.
      let status = 0;
      const deadline = Date.now() + 10_000;
      while (status !== 200 && Date.now() < deadline) {
        status = (
          await other.call(other.acme, "POST", "/v1/machines/switch/entities/s-1/events", {
            event: "toggle_off",
          })
        ).status;
        if (status !== 200) {
          expect(status).toBe(400); // not yet known there
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      expect(status).toBe(200);
    } finally {
      await other.server.stop();
    }
  });
});

describe.runIf(port !== null)("machine routes when the store is down", () => {
  const down = onPrivateRedis(serve);

  it("answers 503 with Retry-After on every route", async () => {
    const { service: t, redis } = down;
    expect((await t.call(t.acme, "PUT", "/v1/machines/booking", booking)).status).toBe(200);
    expect((await t.call(t.acme, "POST", "/v1/machines/booking/entities/b-1", {})).status).toBe(201);
    await redis.kill();
    const calls: [string, string, unknown][] = [
      [
        "PUT",
        "/v1/machines/booking",
        {
          ...booking,
          initial: "created",
          states: [...booking.states],
          events: [...booking.events, "x_event"],
          transitions: [...booking.transitions, { event: "x_event", from: "created", to: "failed" }],
        },
      ],
      ["GET", "/v1/machines/booking", undefined],
      ["POST", "/v1/machines/booking/entities/b-2", {}],
      ["GET", "/v1/machines/booking/entities/b-1", undefined],
      ["POST", "/v1/machines/booking/entities/b-1/events", { event: "verify_capacity", expectedVersion: 1 }],
      ["GET", "/v1/machines/booking/entities/b-1/history", undefined],
    ];
    const answers = [];
    for (const [method, path, body] of calls) {
      answers.push({ ...(await t.call(t.acme, method, path, body)), what: `${method} ${path}` });
    }
    expectStoreDown(answers);
  });
});
