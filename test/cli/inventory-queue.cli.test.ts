/**
 * `holdfast inventory …` and `holdfast queue …` against a private Redis, run inside the test process
 * (see holdfastInProcess); an unreachable store also as a real process, for the binary's exit status.
 */
import { describe, expect, it } from "vitest";
import { inject } from "vitest";
import { namespacedStore } from "../../src/store/namespaced-store.js";
import { createInventory } from "../../src/inventory/index.js";
import { createWaitingRoom } from "../../src/waiting-room/index.js";
import { cliOnRedis, holdfast, holdfastInProcess } from "../support/cli.js";

const port = inject("redisPort");

// One test starts a process (seconds of tsx start-up on a loaded machine): a generous timeout.
describe.runIf(port !== null)("holdfast inventory and queue commands", { timeout: 240_000 }, () => {
  const ctx = cliOnRedis();
  const { env } = ctx;

  it("lists, shows and restocks items, with --json, --tenant and trustworthy exit codes", async () => {
    const inventory = createInventory(ctx.store);
    await inventory.defineItem("{sale}:sku-1", { stock: 10, maxStock: 100 });
    await inventory.defineItem("{sale}:sku-2", { stock: 4 });
    const h = await inventory.hold("{sale}:sku-1", { holder: "u1", quantity: 3 });
    await inventory.hold("{sale}:sku-1", { holder: "u2", quantity: 2 });
    await inventory.commit(h.holdId);
    const acme = createInventory(namespacedStore(ctx.store, "t:acme:"));
    await acme.defineItem("acme-only", { stock: 7 });

    const [ls, tenant, show, missing] = await Promise.all([
      holdfastInProcess(["inventory", "ls", "--json"], env),
      holdfastInProcess(["inventory", "ls", "--tenant", "acme"], env),
      holdfastInProcess(["inventory", "show", "{sale}:sku-1", "--json"], env),
      holdfastInProcess(["inventory", "show", "nope", "--json"], env),
    ]);
    expect(ls.code, ls.stderr).toBe(0);
    expect(JSON.parse(ls.stdout)).toEqual([
      {
        item: "{sale}:sku-1",
        total: 10,
        available: 5,
        held: 2,
        sold: 3,
        maxStock: 100,
        perHolderLimit: null,
      },
      {
        item: "{sale}:sku-2",
        total: 4,
        available: 4,
        held: 0,
        sold: 0,
        maxStock: null,
        perHolderLimit: null,
      },
    ]);
    expect(tenant.code).toBe(0);
    expect(tenant.stdout).toMatch(/item\s+available\s+held\s+sold\s+total/);
    expect(tenant.stdout).toMatch(/acme-only\s+7\s+0\s+0\s+7/);
    expect(tenant.stdout).not.toMatch(/sku-1/);
    expect(show.code).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({ item: "{sale}:sku-1", available: 5, sold: 3 });
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout)).toBeNull();

    const [restocked, zero, unknown] = await Promise.all([
      holdfastInProcess(["inventory", "restock", "{sale}:sku-2", "6", "--json"], env),
      holdfastInProcess(["inventory", "restock", "{sale}:sku-2", "0"], env),
      holdfastInProcess(["inventory", "restock", "nope", "1"], env),
    ]);
    expect(restocked.code, restocked.stderr).toBe(0);
    expect(JSON.parse(restocked.stdout)).toMatchObject({ item: "{sale}:sku-2", total: 10, available: 10 });
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/units must be an integer from 1 to 1000000000000, got "0"/);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no item "nope"/);
    expect((await inventory.get("{sale}:sku-1")).total).toBe(10);
    expect((await inventory.get("{sale}:sku-2")).total).toBe(10);
  });

  it("lists rooms, shows the head of a line and admits, with --json and --tenant", async () => {
    const rooms = createWaitingRoom(ctx.store);
    for (const u of ["u1", "u2", "u3"]) await rooms.join("drop-1", u);
    await rooms.join("drop-2", "solo");
    await createWaitingRoom(namespacedStore(ctx.store, "t:acme:")).join("acme-room", "a1");

    const [ls, tenant, show] = await Promise.all([
      holdfastInProcess(["queue", "ls", "--json"], env),
      holdfastInProcess(["queue", "ls", "--tenant", "acme"], env),
      holdfastInProcess(["queue", "show", "drop-1", "--first", "2", "--json"], env),
    ]);
    expect(ls.code, ls.stderr).toBe(0);
    expect(JSON.parse(ls.stdout)).toEqual([
      { room: "drop-1", length: 3, admitted: 0 },
      { room: "drop-2", length: 1, admitted: 0 },
    ]);
    expect(tenant.stdout).toMatch(/room\s+length\s+admitted\nacme-room\s+1\s+0/);
    expect(tenant.stdout).not.toMatch(/drop-1/);
    expect(show.code).toBe(0);
    const shown = JSON.parse(show.stdout) as {
      first: { position: number; user: string; heartbeatInMs: number }[];
    };
    expect(shown).toMatchObject({ room: "drop-1", length: 3, admitted: 0 });
    expect(shown.first.map((u) => [u.position, u.user])).toEqual([
      [1, "u1"],
      [2, "u2"],
    ]);
    expect(shown.first[0].heartbeatInMs).toBeGreaterThan(0);

    const [admit, bad] = await Promise.all([
      holdfastInProcess(["queue", "admit", "drop-1", "2", "--json"], env),
      holdfastInProcess(["queue", "admit", "drop-1", "0"], env),
    ]);
    expect(admit.code, admit.stderr).toBe(0);
    expect(JSON.parse(admit.stdout)).toEqual({ room: "drop-1", admitted: ["u1", "u2"], count: 2 });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/n must be an integer from 1 to \d+, got "0"/);
    expect(await rooms.isAdmitted("drop-1", "u1")).toBe(true);
    expect(await rooms.counts("drop-1")).toEqual({ queued: 1, admitted: 2 });
  });

  it("exits 3 when the store cannot be reached", async () => {
    const down = { ...env, REDIS_URL: "redis://127.0.0.1:1" };
    const r = await holdfast(["queue", "admit", "drop-1", "1", "--json"], down);
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(JSON.parse(r.stdout).error.code).toMatch(/^HOLDFAST_STORE_/);
  });
});
