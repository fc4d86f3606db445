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

describe.each(routeTargets())("session routes over HTTP [%s]", (target) => {
  const t = routeService(target, keyedServiceFor);

  it("puts a session, reads it by token in the body or a header, touches and revokes it", async () => {
    const token = `jwt.${"x".repeat(300)}.sig-1`;
    const put = await t.call(t.acme, "PUT", "/v1/sessions", {
      token,
      user: "user-7",
      data: { roles: ["buyer"] },
      ttlMs: 60_000,
    });
    expect(put.status).toBe(200);
    expect(put.body.session).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{64}$/),
      user: "user-7",
      data: { roles: ["buyer"] },
      createdAtMs: expect.any(Number),
      ttlMs: 60_000,
      expiresInMs: 60_000,
    });
    expect(put.text).not.toContain(token);

    const byBody = await t.call(t.acme, "POST", "/v1/sessions/get", { token });
    expect(byBody.status).toBe(200);
    expect(byBody.body.session).toMatchObject({
      id: put.body.session.id,
      user: "user-7",
      data: { roles: ["buyer"] },
    });
    expect(byBody.body.session.expiresInMs).toBeGreaterThan(50_000);
    expect(byBody.text).not.toContain(token);
    const byHeader = await t.call(t.acme, "POST", "/v1/sessions/get", undefined, {
      "x-holdfast-session-token": token,
    });
    expect(byHeader.status).toBe(200);
    expect(byHeader.body.session.id).toBe(put.body.session.id);
    const hinted = await t.call(t.acme, "POST", "/v1/sessions/get", { token, user: "user-7" });
    expect(hinted.body.session.id).toBe(put.body.session.id);
    const wrongHint = await t.call(t.acme, "POST", "/v1/sessions/get", { token, user: "user-8" });
    expect(wrongHint.status).toBe(404);

    const touched = await t.call(t.acme, "POST", "/v1/sessions/touch", { token });
    expect(touched.status).toBe(200);
    expect(touched.body.session).toMatchObject({ user: "user-7", ttlMs: 60_000 });
    expect(touched.body.session.expiresInMs).toBeGreaterThan(55_000);

    const revoked = await t.call(t.acme, "POST", "/v1/sessions/revoke", undefined, {
      "x-holdfast-session-token": token,
    });
    expect(revoked).toMatchObject({ status: 200, body: { revoked: true } });
    expect((await t.call(t.acme, "POST", "/v1/sessions/revoke", { token })).body).toEqual({ revoked: false });
    const gone = await t.call(t.acme, "POST", "/v1/sessions/get", { token });
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe("HOLDFAST_SESSION_NOT_FOUND");
    expect((await t.call(t.acme, "POST", "/v1/sessions/touch", { token })).status).toBe(404);
  });

  it("lists a user's sessions without tokens and signs them out everywhere", async () => {
    const tokens = ["device-a-token", "device-b-token", "device-c-token"];
    for (const token of tokens) {
      expect(
        (await t.call(t.acme, "PUT", "/v1/sessions", { token, user: "user-9", ttlMs: 60_000 })).status,
      ).toBe(200);
    }
    const list = await t.call(t.acme, "GET", "/v1/sessions/users/user-9");
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ user: "user-9", count: 3 });
    expect(list.body.sessions.map((s: { user: string }) => s.user)).toEqual(["user-9", "user-9", "user-9"]);
    for (const token of tokens) expect(list.text).not.toContain(token);

    const all = await t.call(t.acme, "DELETE", "/v1/sessions/users/user-9");
    expect(all).toMatchObject({ status: 200, body: { user: "user-9", revoked: 3 } });
    expect((await t.call(t.acme, "GET", "/v1/sessions/users/user-9")).body).toMatchObject({
      count: 0,
      sessions: [],
    });
    for (const token of tokens) {
      expect((await t.call(t.acme, "POST", "/v1/sessions/get", { token })).status).toBe(404);
    }
    expect((await t.call(t.acme, "DELETE", "/v1/sessions/users/user-9")).body.revoked).toBe(0);
  });

  it("rejects bad input with 400 naming the field, and stores nothing", async () => {
    const cases: [unknown, string][] = [
      [{ user: "bad-user" }, "body.token"],
      [{ token: "", user: "bad-user" }, "body.token"],
      [{ token: "tok-bad", user: "" }, "body.user"],
      [{ token: "tok-bad", user: "bad-user", ttlMs: 0 }, "body.ttlMs"],
      [{ token: "tok-bad", user: "bad-user", ttlMs: 1.5 }, "body.ttlMs"],
      [{ token: "tok-bad", user: "bad-user", ttlMs: "60000" }, "body.ttlMs"],
      [{ token: "tok-bad", user: "bad-user", data: { big: "x".repeat(70_000) } }, "body.data"],
      [{ token: "tok\u0001bad", user: "bad-user" }, "body.token"],
    ];
    for (const [body, field] of cases) {
      const r = await t.call(t.acme, "PUT", "/v1/sessions", body);
      expect(r.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(r.body.error).toMatchObject({ code: "HOLDFAST_INVALID_ARGUMENT", field });
    }
    expect((await t.call(t.acme, "GET", "/v1/sessions/users/bad-user")).body.count).toBe(0);
    expect((await t.call(t.acme, "POST", "/v1/sessions/get", { token: "tok-bad" })).status).toBe(404);

    const noToken = await t.call(t.acme, "POST", "/v1/sessions/get", {});
    expect(noToken.status).toBe(400);
    expect(noToken.body.error.field).toBe("body.token");
    const badHeader = await t.call(t.acme, "POST", "/v1/sessions/touch", undefined, {
      "x-holdfast-session-token": "",
    });
    expect(badHeader.status).toBe(400);
    expect(badHeader.body.error.field).toBe("body.token");
    const badUser = await t.call(t.acme, "GET", `/v1/sessions/users/${"u".repeat(600)}`);
    expect(badUser.status).toBe(400);
    expect(badUser.body.error.field).toBe("params.user");
  });

  it("keeps tenants apart: another tenant cannot read, touch, list or revoke a session", async () => {
    const token = "shared-looking-token";
    await t.call(t.acme, "PUT", "/v1/sessions", { token, user: "user-1", ttlMs: 60_000 });
    expect((await t.call(t.globex, "POST", "/v1/sessions/get", { token })).status).toBe(404);
    expect((await t.call(t.globex, "POST", "/v1/sessions/get", { token, user: "user-1" })).status).toBe(404);
    expect((await t.call(t.globex, "POST", "/v1/sessions/touch", { token })).status).toBe(404);
    expect((await t.call(t.globex, "POST", "/v1/sessions/revoke", { token })).body.revoked).toBe(false);
    expect((await t.call(t.globex, "GET", "/v1/sessions/users/user-1")).body.count).toBe(0);
    expect((await t.call(t.globex, "DELETE", "/v1/sessions/users/user-1")).body.revoked).toBe(0);
    const theirs = await t.call(t.acme, "GET", "/v1/sessions/users/user-1");
    expect(theirs.body.count).toBe(1);
    expect((await t.call(t.acme, "POST", "/v1/sessions/get", { token })).status).toBe(200);
  });

  it("keeps the token out of every URL the API defines", async () => {
    const doc = (await t.call(t.acme, "GET", "/openapi.json")).body as {
      paths: Record<string, Record<string, { parameters: { name: string }[] }>>;
    };
    const sessionPaths = Object.entries(doc.paths).filter(([p]) => p.startsWith("/v1/sessions"));
    expect(sessionPaths.length).toBe(5);
    for (const [path, ops] of sessionPaths) {
      expect(path).not.toMatch(/token/i);
      for (const op of Object.values(ops)) {
        expect(op.parameters.map((p) => p.name)).not.toContain("token");
      }
    }
  });
});

describe.runIf(port !== null)("session routes when the store is down", () => {
  const down = onPrivateRedis(serve);

  it("answers 503 with Retry-After on every route, never a guessed session", async () => {
    const { service: t, redis } = down;
    expect((await t.call(t.acme, "PUT", "/v1/sessions", { token: "tok-1", user: "u1" })).status).toBe(200);
    await redis.kill();
    const calls: [string, string, unknown][] = [
      ["PUT", "/v1/sessions", { token: "tok-2", user: "u1" }],
      ["POST", "/v1/sessions/get", { token: "tok-1" }],
      ["POST", "/v1/sessions/get", { token: "tok-1", user: "u1" }],
      ["POST", "/v1/sessions/touch", { token: "tok-1" }],
      ["POST", "/v1/sessions/revoke", { token: "tok-1" }],
      ["GET", "/v1/sessions/users/u1", undefined],
      ["DELETE", "/v1/sessions/users/u1", undefined],
    ];
    const answers = [];
    for (const [method, path, body] of calls) {
      answers.push({ ...(await t.call(t.acme, method, path, body)), what: `${method} ${path}` });
    }
    expectStoreDown(answers);
  });
});
