import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { get, type IncomingHttpHeaders } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../../src/server/app.js";
import { mintApiKey } from "../../src/server/auth/api-keys.js";
import { FileKeyStore, StoreKeyStore } from "../../src/server/auth/key-store.js";
import { DASHBOARD_CSP } from "../../src/server/dashboard/assets.js";
import type { Store } from "../../src/store/types.js";
import { makeStore, storeOptions, type StoreTarget } from "../support/stores.js";

const targets = (["memory", "redis"] as StoreTarget[]).filter((t) => storeOptions(t) !== undefined);

interface Stream {
  status: number;
  headers: IncomingHttpHeaders;
  events: { event: string; data: any }[];
  /** Resolves once `until(events)` holds, or after `ms`. */
  wait(until: (events: { event: string; data: any }[]) => boolean, ms: number): Promise<void>;
  close(): void;
}

/**
 * Opens a server-sent-events stream with node:http (one socket, closed by `close()`): fetch's pool
 * opens spare sockets that never send a request, which would hold the server's close.
 */
function openStream(url: string, key: string): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = get(url, { headers: { authorization: `Bearer ${key}` }, agent: false }, (res) => {
      const events: { event: string; data: any }[] = [];
      const waiters = new Set<() => void>();
      let buffer = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
        }
        for (const w of waiters) w();
      });
      res.on("error", () => undefined);
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        events,
        wait: (until, ms) =>
          new Promise<void>((done) => {
            const check = () => {
              if (until(events)) finish();
            };
            const timer = setTimeout(() => finish(), ms);
            const finish = () => {
              clearTimeout(timer);
              waiters.delete(check);
              done();
            };
            waiters.add(check);
            check();
          }),
        close: () => req.destroy(),
      });
    });
    req.on("error", reject);
  });
}

describe.each(targets)("dashboard routes [%s]", (target) => {
  let store: Store;
  let app: FastifyInstance;
  let url: string;
  let dir: string;
  const keys: Record<string, { key: string; id: string }> = {};

  beforeAll(async () => {
    store = await makeStore(target);
    const keyStore = new StoreKeyStore(store);
    for (const [name, role, tenants] of [
      ["admin", "admin", ["acme"]],
      ["client", "client", ["acme"]],
      ["globexAdmin", "admin", ["globex"]],
      ["both", "client", ["acme", "globex"]],
      ["super", "admin", ["*"]],
    ] as const) {
      const { key, record } = mintApiKey({ name, role, tenants: [...tenants] });
      await keyStore.put(record);
      keys[name] = { key, id: record.id };
    }
    dir = mkdtempSync(join(tmpdir(), "holdfast-dash-"));
    mkdirSync(join(dir, "assets"));
    writeFileSync(join(dir, "index.html"), "<!doctype html><title>t</title>");
    writeFileSync(join(dir, "assets", "main-ABC.js"), "console.log(1)");
    writeFileSync(join(dir, "assets", "main-ABC.css"), "body{}");
    ({ app } = await buildApp({
      store,
      keyStore,
      logLevel: "silent",
      keyCacheMs: 0,
      dashboardDir: dir,
      checkReplies: true,
    }));
    url = await app.listen({ port: 0, host: "127.0.0.1" });
  });
  afterAll(async () => {
    await app?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = async (
    who: string,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const r = await fetch(url + path, {
      method,
      headers: {
        authorization: `Bearer ${keys[who].key}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : undefined, headers: r.headers };
  };

  it("serves the page with a strict CSP and the hashed assets with their types and a year of cache", async () => {
    expect((await fetch(`${url}/dashboard/`, { redirect: "manual" })).headers.get("location")).toBe(
      "/dashboard",
    );
    for (const path of ["/dashboard", "/dashboard/"]) {
      const page = await fetch(url + path);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(page.headers.get("content-security-policy")).toBe(DASHBOARD_CSP);
      expect(page.headers.get("cache-control")).toBe("no-cache");
      expect(page.headers.get("x-frame-options")).toBe("DENY");
    }
    expect(DASHBOARD_CSP).toMatch(/script-src 'self'/);
    expect(DASHBOARD_CSP).not.toMatch(/unsafe|\*/);
    const js = await fetch(`${url}/dashboard/assets/main-ABC.js`);
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(js.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(js.headers.get("x-content-type-options")).toBe("nosniff");
    const again = await fetch(`${url}/dashboard/assets/main-ABC.js`, {
      headers: { "if-none-match": js.headers.get("etag")! },
    });
    expect(again.status).toBe(304);
    expect((await fetch(`${url}/dashboard/assets/main-ABC.css`)).headers.get("content-type")).toBe(
      "text/css; charset=utf-8",
    );
    expect((await fetch(`${url}/dashboard/assets/..%2Findex.html`)).status).toBe(404);
    expect((await fetch(`${url}/dashboard/assets/nope.js`)).status).toBe(404);
  });

  it("says how to build the page when it is not built", async () => {
    const empty = mkdtempSync(join(tmpdir(), "holdfast-dash-empty-"));
    const { app: bare } = await buildApp({
      store,
      keyStore: new StoreKeyStore(store),
      logLevel: "silent",
      dashboardDir: empty,
      checkReplies: true,
    });
    try {
      const page = await bare.inject("/dashboard");
      expect(page.statusCode).toBe(503);
      expect(page.headers["content-security-policy"]).toBe(DASHBOARD_CSP);
      expect(page.json()).toMatchObject({ error: { code: "HOLDFAST_DASHBOARD_NOT_BUILT" } });
      expect(page.body).toContain("npm run build");
    } finally {
      await bare.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it("lets the page in without a key only where the service itself runs open (no key at all)", async () => {
    const keysDir = mkdtempSync(join(tmpdir(), "holdfast-dash-keys-"));
    const { app: open } = await buildApp({
      store,
      keyStore: new FileKeyStore(join(keysDir, "keys.json")),
      authMode: "open",
      logLevel: "silent",
      dashboardDir: false,
      checkReplies: true,
    });
    try {
      const r = await open.inject("/v1/dashboard/overview");
      expect(r.json()).toMatchObject({ open: true, role: "admin", tenant: "default" });
    } finally {
      await open.close();
      rmSync(keysDir, { recursive: true, force: true });
    }
    const keyed = await fetch(`${url}/v1/dashboard/overview`);
    expect(keyed.status).toBe(401);
  });

  it("keeps every data route behind a key, and listings and actions behind the admin role", async () => {
    expect((await fetch(`${url}/v1/dashboard/overview`)).status).toBe(401);
    expect((await fetch(`${url}/v1/dashboard/live`)).status).toBe(401);
    for (const path of [
      "/v1/locks",
      "/v1/semaphores",
      "/v1/breakers",
      "/v1/inventory/items",
      "/v1/waiting-rooms",
      "/v1/machines",
      "/v1/channels",
      "/v1/ratelimits",
      "/v1/keys",
    ]) {
      expect((await call("client", "GET", path)).status, path).toBe(403);
      expect((await call("admin", "GET", path)).status, path).toBe(200);
    }
    expect((await call("client", "POST", "/v1/keys", { name: "x", role: "admin" })).status).toBe(403);
    const overview = await call("client", "GET", "/v1/dashboard/overview");
    expect(overview.body).toMatchObject({
      tenant: "acme",
      role: "client",
      store: { status: "ok", kind: target === "memory" ? "memory" : "redis" },
    });
    expect(overview.body.server).toBeUndefined();
    // The server check spans the store, as /metrics does: an admin key of every tenant only.
    expect((await call("admin", "GET", "/v1/dashboard/overview")).body.server).toBeUndefined();
    const superView = await call("super", "GET", "/v1/dashboard/overview", undefined, {
      "x-holdfast-tenant": "acme",
    });
    expect(superView.body).toMatchObject({ tenant: "acme", role: "admin" });
    expect(superView.body.server.findings.length).toBeGreaterThan(0);
    if (target === "redis")
      expect(superView.body.server.findings.map((f: { check: string }) => f.check)).toContain("memory");
  });

  it("lists every primitive of the tenant, and nothing of another tenant", async () => {
    await call("admin", "POST", "/v1/locks/dash-lock/acquire", { ttlMs: 30_000, metadata: { user: "ann" } });
    await call("admin", "POST", "/v1/semaphores/dash-sem/acquire", { limit: 4, ttlMs: 30_000 });
    await call("admin", "POST", "/v1/breakers/dash-breaker/trip", {});
    await call("admin", "PUT", "/v1/inventory/items/dash-sku", { stock: 10 });
    await call("admin", "POST", "/v1/inventory/items/dash-sku/holds", { holder: "bob", quantity: 3 });
    await call("admin", "POST", "/v1/waiting-rooms/dash-room/join", { user: "u1" });
    await call("admin", "POST", "/v1/channels/dash-news/publish", { data: { n: 1 } });
    await call("admin", "POST", "/v1/ratelimits/dash-api/check", {
      key: "k",
      limits: [{ algorithm: "gcra", burst: 1, ratePerSec: 1 }],
    });
    await call("admin", "POST", "/v1/ratelimits/dash-api/check", {
      key: "k",
      limits: [{ algorithm: "gcra", burst: 1, ratePerSec: 1 }],
    });
    const def = {
      states: ["new", "paid"],
      initial: "new",
      events: ["pay"],
      transitions: [{ event: "pay", from: "new", to: "paid" }],
    };
    await call("admin", "PUT", "/v1/machines/dash-order", def);
    for (const id of ["o1", "o2", "o3"])
      await call("admin", "POST", `/v1/machines/dash-order/entities/${id}`, {});
    await call("admin", "POST", "/v1/machines/dash-order/entities/o3/events", { event: "pay" });

    const acme = async (path: string) => (await call("admin", "GET", path)).body;
    expect((await acme("/v1/locks")).locks).toEqual([
      expect.objectContaining({ key: "dash-lock", metadata: { user: "ann" }, mode: "exclusive" }),
    ]);
    expect((await acme("/v1/semaphores")).semaphores).toEqual([
      expect.objectContaining({ name: "dash-sem", count: 1, limit: 4, group: "semaphore" }),
    ]);
    const breakers = (await acme("/v1/breakers")).breakers;
    expect(breakers).toEqual([expect.objectContaining({ name: "dash-breaker", state: "open" })]);
    expect(breakers[0].history).toEqual([expect.objectContaining({ state: "open", via: "admin" })]);
    expect((await acme("/v1/inventory/items")).items).toEqual([
      expect.objectContaining({
        item: "dash-sku",
        available: 7,
        held: 3,
        sold: 0,
        total: 10,
        invariant: true,
      }),
    ]);
    expect((await acme("/v1/inventory/items/dash-sku/holds")).holds).toEqual([
      expect.objectContaining({ holder: "bob", quantity: 3 }),
    ]);
    expect((await acme("/v1/waiting-rooms")).rooms).toEqual([
      expect.objectContaining({ room: "dash-room", queued: 1 }),
    ]);
    expect((await acme("/v1/channels")).channels).toEqual([
      expect.objectContaining({ channel: "dash-news", perMinute: 1 }),
    ]);
    expect((await acme("/v1/channels/dash-news/recent")).messages).toEqual([
      expect.objectContaining({ data: { n: 1 } }),
    ]);
    expect((await acme("/v1/ratelimits")).limiters).toEqual([
      expect.objectContaining({ name: "dash-api", allowed: 1, denied: 1 }),
    ]);
    expect((await acme("/v1/machines")).machines).toEqual([
      expect.objectContaining({ machine: "dash-order", states: ["new", "paid"] }),
    ]);
    const entities = await acme("/v1/machines/dash-order/entities");
    expect(entities.counts).toEqual({ new: 2, paid: 1 });
    expect(await call("admin", "GET", "/v1/waiting-rooms/dash-room/peek?user=u1")).toMatchObject({
      body: { state: "queued", position: 1 },
    });

    for (const path of [
      "/v1/locks",
      "/v1/semaphores",
      "/v1/breakers",
      "/v1/inventory/items",
      "/v1/waiting-rooms",
      "/v1/channels",
      "/v1/ratelimits",
      "/v1/machines",
    ]) {
      const other = (await call("globexAdmin", "GET", path)).body;
      const list = Object.values(other).find(Array.isArray) as unknown[];
      expect(list, path).toEqual([]);
    }
    expect((await call("globexAdmin", "GET", "/v1/inventory/items/dash-sku/holds")).status).toBe(404);
  });

  it("counts admissions through the admit route per room and tenant (admittedPerMin)", async () => {
    for (const user of ["a1", "a2", "a3"])
      await call("admin", "POST", "/v1/waiting-rooms/adm-a/join", { user });
    for (const user of ["b1", "b2"]) await call("admin", "POST", "/v1/waiting-rooms/adm-b/join", { user });
    await call("admin", "POST", "/v1/waiting-rooms/adm-c/join", { user: "c1" });
    expect((await call("admin", "POST", "/v1/waiting-rooms/adm-a/admit", { count: 2 })).body.count).toBe(2);
    // Asks for 5, admits the 2 in line: counted as 2.
    expect((await call("admin", "POST", "/v1/waiting-rooms/adm-b/admit", { count: 5 })).body.count).toBe(2);
    expect((await call("admin", "POST", "/v1/waiting-rooms/adm-b/admit", { count: 1 })).body.count).toBe(0);
    // Refused (400, no count in the answer): nothing is counted.
    expect((await call("admin", "POST", "/v1/waiting-rooms/adm-c/admit", { count: 0 })).status).toBe(400);
    // Another tenant's room of the same name does not share the count.
    await call("globexAdmin", "POST", "/v1/waiting-rooms/adm-a/join", { user: "g1" });
    const rooms = (await call("admin", "GET", "/v1/waiting-rooms?prefix=adm-")).body.rooms as {
      room: string;
      admittedPerMin: number;
    }[];
    const perMin = (room: string) =>
      Math.max(...rooms.filter((r) => r.room === room).map((r) => r.admittedPerMin));
    // Each room's rate is over its own window (from its first admission): only their signs compare.
    expect(perMin("adm-a")).toBeGreaterThan(0);
    expect(perMin("adm-b")).toBeGreaterThan(0);
    expect(perMin("adm-c")).toBe(0);
    const globex = (await call("globexAdmin", "GET", "/v1/waiting-rooms?prefix=adm-")).body.rooms;
    expect(globex).toEqual([expect.objectContaining({ room: "adm-a", admittedPerMin: 0 })]);
  });

  it("pages with cursors and refuses a cursor it did not make", async () => {
    await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        call("admin", "POST", `/v1/locks/paged-${i}/acquire`, { ttlMs: 30_000 }),
      ),
    );
    const seen = new Set<string>();
    let cursor: string | null = null;
    for (let i = 0; i < 100; i++) {
      const page: any = (
        await call("admin", "GET", `/v1/locks?prefix=paged-&limit=10${cursor ? `&cursor=${cursor}` : ""}`)
      ).body;
      for (const l of page.locks) seen.add(l.key);
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    expect(seen.size).toBe(25);
    const bad = await call("admin", "GET", "/v1/locks?cursor=AAAA");
    expect(bad).toMatchObject({
      status: 400,
      body: { error: { code: "HOLDFAST_INVALID_ARGUMENT", field: "query.cursor" } },
    });
    expect((await call("admin", "GET", "/v1/locks?cursor=a%20b")).body.error.field).toBe("query.cursor");
  });

  it("creates a key shown once, lists keys without secrets, revokes only within the admin's tenants", async () => {
    const created = await call("admin", "POST", "/v1/keys", { name: "ci", role: "client" });
    expect(created).toMatchObject({
      status: 201,
      body: { name: "ci", role: "client", tenants: ["acme"], key: expect.stringMatching(/^hf_/) },
    });
    expect(created.headers.get("cache-control")).toBe("no-store");
    const r = await fetch(`${url}/v1/locks/via-new-key`, {
      headers: { authorization: `Bearer ${created.body.key}` },
    });
    expect(r.status).toBe(404); // authenticated: the lock is just not held
    const listed = (await call("admin", "GET", "/v1/keys")).body.keys;
    expect(listed.map((k: { name: string }) => k.name).sort()).toEqual([
      "admin",
      "both",
      "ci",
      "client",
      "super",
    ]);
    expect(JSON.stringify(listed)).not.toMatch(/hash|hf_/);
    expect(listed.find((k: { name: string }) => k.name === "admin").current).toBe(true);
    expect(
      (await call("globexAdmin", "GET", "/v1/keys")).body.keys.map((k: { name: string }) => k.name).sort(),
    ).toEqual(["both", "globexAdmin", "super"]);
    expect((await call("admin", "POST", `/v1/keys/${keys.both.id}/revoke`)).status).toBe(403);
    expect((await call("admin", "POST", `/v1/keys/${keys.super.id}/revoke`)).status).toBe(403);
    expect((await call("admin", "POST", `/v1/keys/${keys.globexAdmin.id}/revoke`)).status).toBe(404);
    expect((await call("admin", "POST", "/v1/keys/nothex/revoke")).status).toBe(400);
    expect((await call("admin", "POST", `/v1/keys/${created.body.id}/revoke`)).body).toMatchObject({
      revoked: true,
    });
    const after = await fetch(`${url}/v1/locks/via-new-key`, {
      headers: { authorization: `Bearer ${created.body.key}` },
    });
    expect(after.status).toBe(401);
  });

  it("streams the tenant's activity: hello, then a change within a second of an acquire", async () => {
    const live = await openStream(`${url}/v1/dashboard/live`, keys.client.key);
    const other = await openStream(`${url}/v1/dashboard/live`, keys.globexAdmin.key);
    try {
      expect(live.status).toBe(200);
      expect(live.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
      await live.wait((ev) => ev.length > 0, 2000);
      expect(live.events[0]).toMatchObject({
        event: "hello",
        data: { tenant: "acme", role: "client", sampleMs: 2000 },
      });
      const started = Date.now();
      await call("client", "POST", "/v1/locks/live-lock/acquire", { ttlMs: 10_000 });
      await live.wait((ev) => ev.some((e) => e.event === "change"), 1000);
      expect(Date.now() - started).toBeLessThan(1000);
      expect(live.events.find((e) => e.event === "change")!.data).toEqual({
        kinds: ["locks"],
        names: ["live-lock"],
      });
      // A sample of the counters arrives every 2 s, with the acquire counted.
      await live.wait((ev) => ev.some((e) => e.event === "sample" && e.data.values.acquires > 0), 4500);
      expect(live.events.some((e) => e.event === "sample" && e.data.values.acquires >= 1)).toBe(true);
      // Another tenant's stream hears nothing of acme.
      expect(other.events.filter((e) => e.event === "change")).toEqual([]);
    } finally {
      live.close();
      other.close();
    }
  });

  it("bounds live streams per tenant", async () => {
    const open: Stream[] = [];
    try {
      for (let i = 0; i < 16; i++) open.push(await openStream(`${url}/v1/dashboard/live`, keys.admin.key));
      expect(open.every((s) => s.status === 200)).toBe(true);
      const refused = await call("admin", "GET", "/v1/dashboard/live");
      expect(refused).toMatchObject({ status: 429, body: { error: { code: "HOLDFAST_TOO_MANY_STREAMS" } } });
    } finally {
      for (const s of open) s.close();
    }
    await new Promise((r) => setTimeout(r, 100));
    const again = await openStream(`${url}/v1/dashboard/live`, keys.admin.key);
    expect(again.status).toBe(200);
    // Left open: closing the app ends it.
  });
});
