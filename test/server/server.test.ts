import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStore } from "../../src/store/create-store.js";
import type { Store } from "../../src/store/types.js";
import { testApp } from "./support.js";
import { startServer } from "../../src/server/serve.js";
import { DEFAULT_SERVE_CONFIG, resolveServeConfig } from "../../src/server/config.js";
import { tempKeysFile } from "./support.js";

describe("HTTP service basics", () => {
  let store: Store;
  let t: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    store = await createStore({ type: "memory", env: {}, prefix: "srv:" });
    t = await testApp(store);
  });
  afterAll(async () => {
    await t.app.close();
    await store.close();
  });

  it("answers health, readiness, OpenAPI and docs without a key", async () => {
    expect((await t.app.inject("/healthz")).json()).toEqual({ status: "ok" });
    const ready = await t.app.inject("/readyz");
    expect(ready.statusCode).toBe(200);
    expect(ready.json().store.status).toBe("ok");
    const doc = (await t.app.inject("/openapi.json")).json();
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.paths["/readyz"].get.summary).toMatch(/Readiness/);
    const docs = await t.app.inject("/docs");
    expect(docs.headers["content-type"]).toMatch(/text\/html/);
    expect(docs.body).toContain("/openapi.json");
  });

  it("puts a request id on every response, honouring the caller's", async () => {
    const r = await t.app.inject({ url: "/healthz", headers: { "x-request-id": "abc-123" } });
    expect(r.headers["x-request-id"]).toBe("abc-123");
    const r2 = await t.app.inject("/healthz");
    expect(r2.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("answers unknown routes with a JSON 404", async () => {
    const r = await t.app.inject("/v1/nothing-here");
    expect(r.statusCode).toBe(404);
    expect(r.json().error.code).toBe("HOLDFAST_ROUTE_NOT_FOUND");
    expect(r.json().requestId).toBeTruthy();
  });

  it("is open (as admin) while no key exists, then requires keys for good", async () => {
    expect((await t.app.inject("/metrics")).statusCode).toBe(200);
    const client = await t.key("client");
    const admin = await t.key("admin");
    const operator = await t.key("operator", []);
    expect((await t.app.inject("/metrics")).statusCode).toBe(401);
    expect(
      (
        await t.app.inject({
          url: "/metrics",
          headers: { authorization: "Bearer hf_000000000000_" + "x".repeat(43) },
        })
      ).statusCode,
    ).toBe(401);
    const asClient = await t.app.inject({
      url: "/metrics",
      headers: { authorization: `Bearer ${client.key}` },
    });
    expect(asClient.statusCode).toBe(403);
    expect(asClient.json().error.code).toBe("HOLDFAST_FORBIDDEN");
    // Metrics span every tenant: a tenant's admin may not read them, an operator may.
    const asAdmin = await t.app.inject({ url: "/metrics", headers: { "x-api-key": admin.key } });
    expect(asAdmin.statusCode).toBe(403);
    const asOperator = await t.app.inject({ url: "/metrics", headers: { "x-api-key": operator.key } });
    expect(asOperator.statusCode).toBe(200);
    expect(asOperator.body).toContain("holdfast_http_request_duration_seconds");
    const locks = "/v1/locks/x";
    // another tenant than the key's
    const wrongTenant = await t.app.inject({
      url: locks,
      headers: { "x-api-key": admin.key, "x-holdfast-tenant": "other" },
    });
    expect(wrongTenant.statusCode).toBe(403);
    const badTenant = await t.app.inject({
      url: locks,
      headers: { "x-api-key": admin.key, "x-holdfast-tenant": "../x" },
    });
    expect(badTenant.statusCode).toBe(400);
    expect(badTenant.json().error.field).toBe("headers.x-holdfast-tenant");
    // an operator key acts for no tenant
    expect((await t.app.inject({ url: locks, headers: { "x-api-key": operator.key } })).statusCode).toBe(403);
    // revoked
    await t.keyStore.put({ ...operator.record, revokedAt: Date.now() });
    expect((await t.app.inject({ url: "/metrics", headers: { "x-api-key": operator.key } })).statusCode).toBe(
      401,
    );
  });
});

describe("holdfast serve startup", () => {
  it("refuses to listen off loopback without API keys", async () => {
    const store = await createStore({ type: "memory", env: {} });
    const config = {
      ...DEFAULT_SERVE_CONFIG,
      host: "0.0.0.0",
      port: 0,
      keysFile: tempKeysFile(),
      logLevel: "silent",
    };
    await expect(startServer(config, { store })).rejects.toThrow(/without API keys/);
    await store.close();
  });

  it("listens on loopback without keys, over a real socket", async () => {
    const store = await createStore({ type: "memory", env: {} });
    const server = await startServer(
      { ...DEFAULT_SERVE_CONFIG, port: 0, keysFile: tempKeysFile(), logLevel: "silent" },
      { store, checkReplies: true },
    );
    try {
      const r = await fetch(`${server.url}/healthz`);
      expect(await r.json()).toEqual({ status: "ok" });
    } finally {
      await server.stop();
      await store.close();
    }
  });

  it("reads configuration from flags, environment and a file, naming bad variables", () => {
    expect(resolveServeConfig({}, { PORT: "5000", HOST: "0.0.0.0" })).toMatchObject({
      port: 5000,
      host: "0.0.0.0",
    });
    expect(resolveServeConfig({ port: 6000 }, { PORT: "5000" }).port).toBe(6000);
    expect(
      resolveServeConfig({}, { HOLDFAST_CORS_ORIGINS: "https://a.example, https://b.example" }).corsOrigins,
    ).toEqual(["https://a.example", "https://b.example"]);
    expect(() => resolveServeConfig({}, { PORT: "http" })).toThrow(/PORT/);
  });
});
