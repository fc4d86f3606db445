import { expect, it } from "vitest";
import { describeStores } from "../support/stores.js";
import { bump } from "../fixtures/bump.js";
import { Keyspace } from "../../src/store/keyspace.js";
import { RedisStore } from "../../src/store/redis/redis-store.js";
import { StoreClosedError } from "../../src/errors/store-errors.js";

describeStores("store", ({ store, target }) => {
  it("runs a script atomically and returns the same reply shape", async () => {
    const key = store().keys.key("test", "counter");
    const r1 = (await store().run(bump, [key], [2, 10_000])) as number[];
    const r2 = (await store().run(bump, [key], [3, 10_000])) as number[];
    expect(r1[0]).toBe(2);
    expect(r2[0]).toBe(5);
    expect(r2[1]).toBeGreaterThan(9_000);
    expect(r2[1]).toBeLessThanOrEqual(10_000);
    expect(Math.abs(r2[2] - Date.now())).toBeLessThan(5_000);
  });

  it("lets keys expire", async () => {
    const key = store().keys.key("test", "short");
    await store().run(bump, [key], [1, 30]);
    await new Promise((r) => setTimeout(r, 80));
    const r = (await store().run(bump, [key], [1, 10_000])) as number[];
    expect(r[0]).toBe(1);
  });

  it("scans keys under a prefix without KEYS, across every master", async () => {
    const names = Array.from({ length: 40 }, (_, i) => `scan-${i}`);
    await Promise.all(names.map((n) => store().run(bump, [store().keys.key("scan", n)], [1, 60_000])));
    const found: string[] = [];
    for await (const k of store().scan(store().keys.pattern("scan"))) found.push(k);
    expect(new Set(found.map((k) => store().keys.nameOf("scan", k))).size).toBe(40);
  });

  it("pages through a scan with cursors, every key at least once, bounded per call", async () => {
    const names = Array.from({ length: 60 }, (_, i) => `page-${i}`);
    await Promise.all(names.map((n) => store().run(bump, [store().keys.key("pagescan", n)], [1, 60_000])));
    const found = new Set<string>();
    let cursor: string | undefined;
    let calls = 0;
    do {
      const page = await store().scanPage(store().keys.pattern("pagescan"), { cursor, count: 7 });
      expect(page.keys.length).toBeLessThanOrEqual(target === "memory" ? 7 : 60);
      for (const k of page.keys) found.add(store().keys.nameOf("pagescan", k)!);
      cursor = page.cursor ?? undefined;
      calls++;
    } while (cursor !== undefined && calls < 1000);
    expect([...found].sort()).toEqual([...names].sort());
    if (target === "memory") expect(calls).toBe(9);
    await expect(store().scanPage("*", { cursor: "nonsense" })).rejects.toMatchObject({
      code: "HOLDFAST_INVALID_ARGUMENT",
      field: "cursor",
    });
  });

  it("reports health", async () => {
    const h = await store().health();
    expect(h.status).toBe("ok");
    expect(h.mode).toBe(
      (
        {
          memory: "memory",
          redis: "standalone",
          "redis-client": "standalone",
          sentinel: "sentinel",
          cluster: "cluster",
        } as const
      )[target],
    );
    if (target !== "memory") expect(h.serverVersion).toMatch(/^\d+\.\d+/);
  });

  it.runIf(target !== "memory")("reloads scripts after the server forgets them (NOSCRIPT)", async () => {
    const s = store() as RedisStore;
    const key = s.keys.key("test", "noscript");
    await s.run(bump, [key], [1, 10_000]);
    const nodes = "nodes" in s.client ? s.client.nodes("master") : [s.client];
    await Promise.all(nodes.map((n) => n.script("FLUSH")));
    const r = (await s.run(bump, [key], [1, 10_000])) as number[];
    expect(r[0]).toBe(2);
  });
});

describeStores(
  "store lifecycle",
  ({ another }) => {
    it("refuses work after close", async () => {
      const s = await another();
      if (s.kind === "memory") return; // the shared memory store stays open for the block
      await s.close();
      await expect(s.run(bump, [s.keys.key("x", "y")], [1, 1000])).rejects.toBeInstanceOf(StoreClosedError);
    });
  },
  { targets: ["redis"] },
);

it("keyspace keeps names' hash tags and wraps the rest", () => {
  const ks = new Keyspace("app:");
  expect(ks.key("lock", "order-1")).toBe("app:lock:{order-1}");
  expect(ks.key("lock", "order-1", "fence")).toBe("app:lock:{order-1}\u001ffence");
  // a suffixed key can never equal another name's own key
  expect(ks.key("sem", "x", "meta")).not.toBe(ks.key("sem", "{x}:meta"));
  expect(ks.nameOf("sem", ks.key("sem", "x", "meta"))).toBeUndefined();
  // "x" and "{x}" are different names with different keys
  expect(ks.key("lock", "{x}")).not.toBe(ks.key("lock", "x"));
  for (const name of ["x", "{x}", "{x}:a", "a{b}c", "{", "}", "{}", "{{x}}", "a:b"]) {
    expect(ks.nameOf("lock", ks.key("lock", name))).toBe(name);
  }
  expect(ks.key("lock", "booking:{t1|r4}:14:00")).toBe("app:lock:booking:{t1|r4}:14:00");
  expect(ks.nameOf("lock", "app:lock:{order-1}")).toBe("order-1");
  expect(ks.nameOf("lock", "app:lock:booking:{t1|r4}:14:00")).toBe("booking:{t1|r4}:14:00");
  expect(Keyspace.slotOf("{a}x")).toBe(Keyspace.slotOf("{a}y"));
  expect(() => Keyspace.assertSameSlot(["{a}x", "{a}y"])).not.toThrow();
  expect(() => Keyspace.assertSameSlot(["x", "y"])).toThrow(/hash tag/);
  expect(() => new Keyspace("bad{prefix")).toThrow(/prefix/);
});
