/** Lock routes through the client SDK (holdfast/client) over real HTTP, on every store kind. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/types.js";
import { HoldfastClient, isHoldfastApiError } from "../../src/client/index.js";
import { makeStore } from "../support/stores.js";
import { createLocks } from "../../src/lock/locks.js";
import { namespacedStore } from "../../src/store/namespaced-store.js";
import { tenantNamespace } from "../../src/server/tenants.js";
import { routeTargets, serveWithKeys } from "./support.js";

// A real server on a socket on each store: the client SDK speaks HTTP, not Fastify's inject.
describe.each(routeTargets())("lock routes over HTTP [%s]", (target) => {
  let store: Store;
  let server: Awaited<ReturnType<typeof serveWithKeys>>["server"];
  let acme: HoldfastClient;
  let globex: HoldfastClient;
  let admin: HoldfastClient;

  beforeAll(async () => {
    store = await makeStore(target);
    const service = await serveWithKeys(store);
    server = service.server;
    acme = new HoldfastClient({ baseUrl: server.url, apiKey: service.acme });
    globex = new HoldfastClient({ baseUrl: server.url, apiKey: service.globex });
    admin = new HoldfastClient({ baseUrl: server.url, apiKey: await service.mint("admin", "acme") });
  });
  afterAll(async () => {
    await server?.stop();
    await store?.close();
  });

  it("acquires, reports a conflict with the remaining TTL, refreshes and releases", async () => {
    const key = "booking_lock:{test-tenant|specialist-1}:2025-03-10:14:00";
    const lease = await acme.locks.acquire(key, { ttlMs: 120_000 });
    expect(lease).toMatchObject({
      success: true,
      locked: true,
      expiresIn: expect.any(Number),
      lockId: expect.any(String),
    });
    expect(lease.expiresIn).toBeGreaterThan(110_000);
    try {
      await acme.locks.acquire(key, { ttlMs: 120_000 });
      expect.unreachable();
    } catch (e) {
      expect(isHoldfastApiError(e, "HOLDFAST_LOCK_CONFLICT")).toBe(true);
      expect((e as { status: number }).status).toBe(409);
      expect(Number((e as { details: { remainingTtlMs: number } }).details.remainingTtlMs)).toBeGreaterThan(
        100_000,
      );
    }
    const refreshed = await acme.locks.refresh(key, lease.lockId, 60_000);
    expect(refreshed.fence).toBe(lease.fence);
    await expect(acme.locks.release(key, "not-the-token")).rejects.toMatchObject({
      status: 409,
      code: "HOLDFAST_LOCK_NOT_OWNED",
    });
    await acme.locks.release(key, lease.lockId);
    expect(await acme.locks.get(key)).toBeNull();
    const again = await acme.locks.acquire(key);
    expect(again.fence).toBeGreaterThan(lease.fence);
    await acme.locks.release(key, again.lockId);
  });

  it("answers 409 HOLDFAST_LOCK_CLOSED, not a conflict, for a name its holder closed", async () => {
    const key = "booking_lock:{test-tenant|specialist-1}:2025-03-10:16:00";
    const lease = await acme.locks.acquire(key, { ttlMs: 120_000 });
    // Closed by the app that shares the store (the service has no close route).
    const tenantLocks = createLocks(namespacedStore(store, tenantNamespace("acme")));
    await tenantLocks.close({ key, token: lease.lockId }, { metadata: { bookedBy: "ann" } });
    await expect(acme.locks.acquire(key)).rejects.toMatchObject({
      status: 409,
      code: "HOLDFAST_LOCK_CLOSED",
      details: { key, fence: lease.fence, metadata: { bookedBy: "ann" } },
    });
    await expect(acme.locks.release(key, lease.lockId)).rejects.toMatchObject({
      status: 409,
      code: "HOLDFAST_LOCK_CLOSED",
    });
    expect(await acme.locks.get(key)).toBeNull();
    expect(await tenantLocks.forceRelease(key)).toBe(true);
  });

  it("keeps tenants apart whatever ids they guess", async () => {
    const lease = await acme.locks.acquire("room-1", { ttlMs: 30_000 });
    // globex can take "room-1" too: it is another tenant's namespace, not acme's lock
    const theirs = await globex.locks.acquire("room-1", { ttlMs: 30_000 });
    await expect(globex.locks.release("room-1", lease.lockId)).rejects.toMatchObject({ status: 409 });
    expect((await acme.locks.get("room-1"))?.fence).toBe(lease.fence);
    await globex.locks.release("room-1", theirs.lockId);
    await acme.locks.release("room-1", lease.lockId);
  });

  it("rejects bad input with 400 naming the field, and writes nothing", async () => {
    for (const body of [{ ttlMs: 0 }, { ttlMs: 1.5 }, { ttlMs: "10" }, { ttlMs: 1e12 }, { waitMs: -1 }]) {
      const r = await fetch(`${server.url}/v1/locks/bad-input/acquire`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: acme.http["headers"].authorization },
        body: JSON.stringify(body),
      });
      expect(r.status).toBe(400);
      const json = (await r.json()) as { error: { field: string } };
      expect(json.error.field).toMatch(/^body\./);
    }
    const notJson = await fetch(`${server.url}/v1/locks/bad-input/acquire`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: acme.http["headers"].authorization },
      body: "{nope",
    });
    expect(notJson.status).toBe(400);
    expect(await acme.locks.get("bad-input")).toBeNull();
  });

  it("lists active locks for admins only", async () => {
    const lease = await acme.locks.acquire("listed", { ttlMs: 30_000, metadata: { user: "u1" } });
    await expect(acme.http.request("GET", "/v1/locks")).rejects.toMatchObject({ status: 403 });
    const list = await admin.http.request<{ locks: { key: string; metadata?: unknown; token?: string }[] }>(
      "GET",
      "/v1/locks",
    );
    const mine = list.locks.find((l) => l.key === "listed");
    expect(mine?.metadata).toEqual({ user: "u1" });
    expect(mine?.token).toBeUndefined();
    await admin.http.request("DELETE", "/v1/locks/listed");
    await expect(acme.locks.refresh("listed", lease.lockId)).rejects.toMatchObject({ status: 409 });
  });

  it("holds a lock with a countdown, refreshes it, and notices its loss", async () => {
    const holder = acme.holdLock("countdown", { ttlMs: 5_000, refreshEveryMs: 0 });
    expect((await holder.acquire()).status).toBe("held");
    expect(holder.remainingMs()).toBeGreaterThan(4_000);
    expect(holder.formatRemainingTime()).toMatch(/^0:0[45]$/);
    const other = acme.holdLock("countdown");
    const conflict = await other.acquire();
    expect(conflict.status).toBe("conflict");
    await admin.http.request("DELETE", "/v1/locks/countdown");
    expect((await holder.refresh()).status).toBe("lost");
    await holder.release();
  });
});
