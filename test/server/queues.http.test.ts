/** Waiting-room routes over real HTTP, against a real server on a free port and a private Redis. */
import { describe, expect, it } from "vitest";
import { inject } from "vitest";
import type { Store } from "../../src/store/types.js";
import fc from "fast-check";
import {
  serveAs,
  fuzzArea,
  fuzzValues,
  expectStoreDown,
  onPrivateRedis,
  callersFor,
  routeService,
  routeTargets,
} from "./support.js";

const port = inject("redisPort");

const serve = serveAs;

const room = (name: string, rest = "") => `/v1/waiting-rooms/${encodeURIComponent(name)}${rest}`;
const q = (user: string) => `?user=${encodeURIComponent(user)}`;

describe.each(routeTargets())("waiting-room routes over HTTP [%s]", (target) => {
  let store: Store;
  const s = routeService(target, callersFor, (ready) => {
    store = ready;
  });

  it("joins in order, reports positions, admits (admin only) and lets users leave", async () => {
    const r = "sale-42";
    const first = await s.acme("POST", room(r, "/join"), { user: "u1" });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      room: r,
      user: "u1",
      state: "queued",
      position: 1,
      ahead: 0,
      length: 1,
      joined: true,
    });
    expect((await s.acme("POST", room(r, "/join"), { user: "u2" })).body).toMatchObject({
      position: 2,
      length: 2,
      joined: true,
    });
    expect((await s.acme("POST", room(r, "/join"), { user: "u1" })).body).toMatchObject({
      position: 1,
      joined: false,
    });
    expect((await s.acme("GET", room(r, `/position${q("u2")}`))).body).toEqual({
      room: r,
      user: "u2",
      state: "queued",
      position: 2,
      ahead: 1,
      length: 2,
    });
    // The head of the line is for admins: it lists other users.
    expect((await s.acme("GET", room(r, "/head"))).status).toBe(403);
    const head = await s.admin("GET", room(r, "/head?count=1"));
    expect(head.status).toBe(200);
    expect(head.body).toMatchObject({
      room: r,
      queued: 2,
      admitted: 0,
      first: [{ position: 1, user: "u1" }],
    });
    expect(head.body.first).toHaveLength(1);
    expect(head.body.first[0].heartbeatInMs).toBeGreaterThan(0);
    expect((await s.acme("POST", room(r, "/heartbeat"), { user: "u2" })).body).toMatchObject({
      queued: true,
      state: "queued",
      position: 2,
    });
    expect((await s.acme("POST", room(r, "/heartbeat"), { user: "ghost" })).body).toMatchObject({
      queued: false,
      state: "absent",
    });
    expect((await s.acme("GET", room(r))).body).toEqual({ room: r, length: 2, queued: 2, admitted: 0 });

    const refused = await s.acme("POST", room(r, "/admit"), { count: 1 });
    expect(refused.status).toBe(403);
    expect((await s.acme("GET", room(r))).body.length).toBe(2);
    const admitted = await s.admin("POST", room(r, "/admit"), { count: 1 });
    expect(admitted.status).toBe(200);
    expect(admitted.body).toEqual({ room: r, admitted: ["u1"], count: 1 });
    expect((await s.acme("GET", room(r, `/admitted${q("u1")}`))).body).toEqual({
      room: r,
      user: "u1",
      admitted: true,
    });
    expect((await s.acme("GET", room(r, `/admitted${q("u2")}`))).body.admitted).toBe(false);
    const p1 = await s.acme("GET", room(r, `/position${q("u1")}`));
    expect(p1.body).toMatchObject({ state: "admitted", length: 1 });
    expect(p1.body.expiresInMs).toBeGreaterThan(200_000);
    expect((await s.acme("GET", room(r, `/position${q("u2")}`))).body.position).toBe(1);
    expect((await s.acme("GET", room(r))).body).toMatchObject({ queued: 1, admitted: 1 });

    expect((await s.acme("POST", room(r, "/leave"), { user: "u1" })).body).toEqual({
      room: r,
      user: "u1",
      left: true,
      was: "admitted",
    });
    expect((await s.acme("POST", room(r, "/leave"), { user: "u2" })).body.was).toBe("queued");
    expect((await s.acme("POST", room(r, "/leave"), { user: "u2" })).body).toMatchObject({
      left: false,
      was: "absent",
    });
    expect((await s.acme("GET", room(r, `/position${q("u2")}`))).body).toMatchObject({
      state: "absent",
      length: 0,
    });
    const empty = await s.admin("POST", room(r, "/admit"), { count: 5 });
    expect(empty.body).toEqual({ room: r, admitted: [], count: 0 });
  });

  it("rejects bad input with 400 naming the field, and writes nothing", async () => {
    const r = "bad-input";
    const cases: [string, string, unknown, string, "acme" | "admin"][] = [
      ["POST", room(r, "/join"), {}, "body.user", "acme"],
      ["POST", room(r, "/join"), { user: "" }, "body.user", "acme"],
      ["POST", room(r, "/join"), { user: "a\u0001b" }, "body.user", "acme"],
      ["POST", room(r, "/join"), { user: 42 }, "body.user", "acme"],
      ["POST", room(r, "/leave"), { user: "x".repeat(513) }, "body.user", "acme"],
      ["POST", room(r, "/heartbeat"), {}, "body.user", "acme"],
      ["GET", room(r, "/position"), undefined, "query.user", "acme"],
      ["GET", room(r, "/admitted"), undefined, "query.user", "acme"],
      ["POST", room(r, "/admit"), { count: 0 }, "body.count", "admin"],
      ["POST", room(r, "/admit"), { count: 2.5 }, "body.count", "admin"],
      ["POST", room(r, "/admit"), { count: 100_001 }, "body.count", "admin"],
      ["GET", room(r, "/head?count=0"), undefined, "query.count", "admin"],
      ["GET", room(r, "/head?count=10001"), undefined, "query.count", "admin"],
      ["GET", room(r, "/head?count=two"), undefined, "query.count", "admin"],
      ["POST", room("r".repeat(600), "/join"), { user: "u" }, "params.room", "acme"],
    ];
    for (const [method, path, body, field, who] of cases) {
      const res = await s[who](method, path, body);
      expect(res.status, `${method} ${path.slice(0, 60)} ${JSON.stringify(body)}`).toBe(400);
      expect(res.body.error).toMatchObject({ code: "HOLDFAST_INVALID_ARGUMENT", field });
    }
    expect((await s.acme("GET", room(r))).body).toMatchObject({ queued: 0, admitted: 0 });
    let found = 0;
    for await (const _ of store.scan(`${store.keys.prefix}*bad-input*`)) found++;
    expect(found).toBe(0);
  });

  it("keeps tenants apart: another tenant cannot see, admit or remove a user", async () => {
    const r = "drop-1";
    await s.acme("POST", room(r, "/join"), { user: "alice" });
    await s.acme("POST", room(r, "/join"), { user: "bob" });
    expect((await s.globex("GET", room(r, `/position${q("alice")}`))).body).toMatchObject({
      state: "absent",
      length: 0,
    });
    expect((await s.globex("POST", room(r, "/leave"), { user: "alice" })).body.was).toBe("absent");
    expect((await s.globex("GET", room(r))).body.length).toBe(0);
    expect((await s.globexAdmin("POST", room(r, "/admit"), { count: 10 })).body.admitted).toEqual([]);
    expect((await s.globex("GET", room(r, `/admitted${q("alice")}`))).body.admitted).toBe(false);
    // globex's own line with the same room name is separate
    expect((await s.globex("POST", room(r, "/join"), { user: "carol" })).body.position).toBe(1);
    expect((await s.acme("GET", room(r, `/position${q("alice")}`))).body).toMatchObject({
      state: "queued",
      position: 1,
      length: 2,
    });
    expect((await s.admin("POST", room(r, "/admit"), { count: 10 })).body.admitted).toEqual(["alice", "bob"]);
  });
});

describe.runIf(port !== null)("waiting-room routes when the store is down", () => {
  // Keys stay cached for a minute, so requests pass auth and reach the routes once Redis is gone.
  const down = onPrivateRedis(serve);

  it("answer 503 with Retry-After and admit nobody (fail closed)", { timeout: 60_000 }, async () => {
    const { redis, service: s } = down;
    expect((await s.acme("POST", room("down", "/join"), { user: "u" })).status).toBe(200);
    expect((await s.admin("GET", room("down"))).status).toBe(200);
    await redis.kill();
    const answers = await Promise.all([
      s.acme("POST", room("down", "/join"), { user: "v" }),
      s.acme("POST", room("down", "/leave"), { user: "u" }),
      s.acme("GET", room("down", `/position${q("u")}`)),
      s.acme("POST", room("down", "/heartbeat"), { user: "u" }),
      s.acme("GET", room("down", `/admitted${q("u")}`)),
      s.admin("POST", room("down", "/admit"), { count: 1 }),
      s.acme("GET", room("down")),
    ]);
    expectStoreDown(answers);
  });
});

/**
 * Random bodies built from this area's own field names, against its routes in-process on the memory
 * store (the global fuzz test rarely sends a valid `user`): never a 500, and a 4xx leaves
 * every key exactly as it was.
 */
describe("waiting-room routes under random input", () => {
  it("never answer 500, and a rejected request changes nothing", { timeout: 60_000 }, async () => {
    const { int, name } = fuzzValues(["r1", "r2", "{t}:r"]);
    await fuzzArea({
      prefix: "/v1/waiting-rooms/",
      params: ["r1", "r2", "{t}:r"],
      body: fc.oneof(
        fc.record({ user: fc.constantFrom("u1", "u2", "u3"), count: fc.integer({ min: 1, max: 2 }) }),
        fc.record({ user: name, count: int }, { requiredKeys: [] }),
      ),
      query: fc.option(
        fc.oneof(
          fc.constantFrom("user=u1", "user=u2", "user=", "user=%00"),
          fc.string({ maxLength: 10 }).map((u) => `user=${encodeURIComponent(u)}`),
        ),
        { nil: undefined },
      ),
    });
  });
});
