import { expect, it } from "vitest";
import { CircuitBreaker, peekBreaker } from "../../src/breaker/index.js";
import { createInventory, listHolds } from "../../src/inventory/index.js";
import { createLocks } from "../../src/lock/index.js";
import { createWaitingRoom } from "../../src/waiting-room/index.js";
import { describeStores } from "../support/stores.js";

describeStores("operator reads", ({ store, target }) => {
  it("peekBreaker reads a shared breaker's state without changing it", async () => {
    const fresh = await peekBreaker(store(), "peek-fresh");
    expect(fresh).toMatchObject({ state: "closed", stored: false, generation: 0 });
    const b = new CircuitBreaker({ name: "peek-b", store: store() });
    await b.trip(60_000);
    const open = await peekBreaker(store(), "peek-b");
    expect(open).toMatchObject({ state: "open", stored: true, generation: 1, attempt: 0 });
    expect(open.remainingOpenMs).toBeGreaterThan(55_000);
    // Peeking twice changes nothing: same generation, no trial lease taken.
    expect((await peekBreaker(store(), "peek-b")).generation).toBe(1);
    await b.isolate();
    expect((await peekBreaker(store(), "peek-b")).state).toBe("isolated");
    await b.reset();
    expect(await peekBreaker(store(), "peek-b")).toMatchObject({ state: "closed", generation: 3 });
    await b.trip(1);
    await new Promise((r) => setTimeout(r, 20));
    // Its open time is over: the next call would probe, so it reads as half-open.
    expect((await peekBreaker(store(), "peek-b")).state).toBe("half-open");
  });

  it("listHolds lists live lines soonest first, adding up to held after a get", async () => {
    const inv = createInventory(store());
    await inv.defineItem("holds-sku", { stock: 20 });
    const a = await inv.hold("holds-sku", { holder: "ann", quantity: 2, ttlMs: 60_000 });
    await inv.hold("holds-sku", { holder: "bob", quantity: 3, ttlMs: 30_000 });
    const c = await inv.hold("holds-sku", { holder: "cat", quantity: 1, ttlMs: 90_000 });
    await inv.commit(c.holdId);
    await inv.hold("holds-sku", { holder: "dan", quantity: 4, ttlMs: 1 });
    await new Promise((r) => setTimeout(r, 20));
    // Dan's hold is due but not given back yet: not listed, and still counted in held until a write.
    const before = await listHolds(store(), "holds-sku");
    expect(before.lines.map((l) => l.holder)).toEqual(["bob", "ann"]);
    const stock = await inv.get("holds-sku");
    const h = await listHolds(store(), "holds-sku");
    expect(h.lines.map((l) => l.holder)).toEqual(["bob", "ann"]);
    expect(h.more).toBe(false);
    expect(h.lines.reduce((n, l) => n + l.quantity, 0)).toBe(stock.held);
    expect(stock).toMatchObject({ held: 5, sold: 1, available: 14, total: 20 });
    expect(h.lines.find((l) => l.holder === "ann")).toMatchObject({ holdId: a.holdId, quantity: 2 });
    const one = await listHolds(store(), "holds-sku", { limit: 1 });
    expect(one).toMatchObject({ more: true, lines: [{ holder: "bob" }] });
    // A cart's further item lists its line too.
    await inv.defineItem("{cart}:a", { stock: 5 });
    await inv.defineItem("{cart}:b", { stock: 5 });
    await inv.holdCart(
      [
        { item: "{cart}:a", quantity: 1 },
        { item: "{cart}:b", quantity: 2 },
      ],
      { holder: "eve", ttlMs: 60_000 },
    );
    expect((await listHolds(store(), "{cart}:b")).lines).toEqual([
      expect.objectContaining({ holder: "eve", quantity: 2 }),
    ]);
    await expect(listHolds(store(), "no-such-item")).rejects.toMatchObject({
      code: "HOLDFAST_ITEM_NOT_FOUND",
    });
    await expect(listHolds(store(), "holds-sku", { limit: 0 })).rejects.toMatchObject({
      code: "HOLDFAST_INVALID_ARGUMENT",
    });
  });

  it("WaitingRoom.peekPosition reads a place without the heartbeat position() gives", async () => {
    const rooms = createWaitingRoom(store(), { heartbeatTtlMs: 300 });
    await rooms.join("peek-room", "u1");
    await rooms.join("peek-room", "u2");
    expect(await rooms.peekPosition("peek-room", "u2")).toMatchObject({ state: "queued", position: 2 });
    // Looked at, never heart-beaten: both drop out after their heartbeat TTL.
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 100));
      await rooms.peekPosition("peek-room", "u2");
    }
    await new Promise((r) => setTimeout(r, 100));
    expect((await rooms.peekPosition("peek-room", "u2")).state).toBe("absent");
  });

  it("Locks.listPage pages through every lock once with a cursor, with a prefix", async () => {
    const locks = createLocks(store());
    const names = Array.from({ length: 45 }, (_, i) => `page-lock-${String(i).padStart(2, "0")}`);
    await Promise.all(names.map((n) => locks.acquire(n, { ttlMs: 60_000 })));
    await locks.acquireRead("page-lock-read", { ttlMs: 60_000 });
    await locks.acquire("other-lock", { ttlMs: 60_000 });
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await locks.listPage({ prefix: "page-lock-", limit: 10, cursor });
      seen.push(...page.items.map((l) => l.key));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor && pages < 200);
    expect(new Set(seen)).toEqual(new Set([...names, "page-lock-read"]));
    if (target === "memory") expect(seen.length).toBe(46);
    // Glob characters in a prefix are literal, on Redis (escaped) as in memory.
    await locks.acquire("glob*?[x]\\y", { ttlMs: 60_000 });
    await locks.acquire("globz?[x]\\y", { ttlMs: 60_000 });
    const glob = await locks.listPage({ prefix: "glob*?[x]\\" });
    expect(glob.items.map((l) => l.key)).toEqual(["glob*?[x]\\y"]);
    await expect(locks.listPage({ cursor: "not a cursor" })).rejects.toMatchObject({ field: "cursor" });
    await expect(locks.listPage({ cursor: "OXw" })).rejects.toMatchObject({ field: "cursor" });
  });
});
