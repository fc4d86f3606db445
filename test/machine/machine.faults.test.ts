import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createEventLog } from "../../src/events/index.js";
import { isStoreFailure, ScriptError } from "../../src/errors/index.js";
import { createMachine, VersionConflictError } from "../../src/machine/index.js";
import { holdfastRegistry } from "../../src/observe/index.js";
import { createStore } from "../../src/store/create-store.js";
import { MemoryStore } from "../../src/store/memory/memory-store.js";
import { RedisStore } from "../../src/store/redis/redis-store.js";
import type { Store } from "../../src/store/types.js";
import { onPrivateRedis } from "../support/faults.js";
import { bookingDefinition, type BookingEvent } from "./booking.js";

const hasRedis = inject("redisPort") !== null;

async function until<T>(fn: () => Promise<T>, tries = 100): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (i >= tries) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describe("a send that fails in the script leaves entity and history unchanged", () => {
  const stores: [
    string,
    () => Promise<{
      store: Store;
      writeString: (key: string) => Promise<void>;
      del: (key: string) => Promise<void>;
    }>,
  ][] = [
    [
      "memory",
      () => {
        const store = new MemoryStore({ prefix: `t:${randomUUID().slice(0, 8)}:` });
        return Promise.resolve({
          store,
          writeString: (key: string) => Promise.resolve(store.db.set(key, "oops")),
          del: (key: string) => Promise.resolve(void store.db.del(key)),
        });
      },
    ],
  ];
  if (hasRedis) {
    stores.push([
      "redis",
      async () => {
        const store = await createStore({
          type: "redis",
          redis: { host: "127.0.0.1", port: inject("redisPort")! },
          env: {},
          checkServer: false,
          prefix: `t:${randomUUID().slice(0, 8)}:`,
        });
        const client = (store as RedisStore).client;
        return {
          store,
          writeString: async (key: string) => void (await client.set(key, "oops")),
          del: async (key: string) => void (await client.del(key)),
        };
      },
    ]);
  }
  it.each(stores)("on %s", async (_name, make) => {
    const { store, writeString, del } = await make();
    try {
      const m = createMachine(store, bookingDefinition);
      await m.create("b-1", { data: { n: 1 } });
      const historyKey = store.keys.key("machine", "assignment:b-1", "history");
      await writeString(historyKey); // something outside Holdfast clobbers the history key
      const err = await m
        .send("b-1", "verify_capacity", { data: { n: 2 }, idempotencyKey: "k" })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ScriptError);
      expect((err as ScriptError).message).toMatch(/nothing was written/);
      expect(await m.get("b-1")).toMatchObject({ state: "created", version: 1, data: { n: 1 } });
      await del(historyKey);
      // Nothing was stored under the idempotency key either: the retry applies the event once.
      const r = await m.send("b-1", "verify_capacity", { data: { n: 2 }, idempotencyKey: "k" });
      expect(r).toMatchObject({ version: 2, replayed: false });
      expect((await m.history("b-1")).map((e) => e.version)).toEqual([2]);
    } finally {
      await store.close();
    }
  });
});

describe.runIf(hasRedis)("state machine against a Redis that crashes (AOF, fsync always)", () => {
  const fault = onPrivateRedis({ args: ["--appendonly", "yes", "--appendfsync", "always"] });

  it("fails with typed store errors; after restart version and history agree and keep every acknowledged send", async () => {
    const { redis, store } = fault;
    const m = createMachine(store, bookingDefinition);
    const id = `crash-${randomUUID()}`;
    await m.create(id);
    let maxAcked = 1;
    const failures: unknown[] = [];
    // Each worker runs until the crash makes it fail (conflicts among workers are retried).
    const workers = Array.from({ length: 4 }, async () => {
      for (;;) {
        try {
          const snap = (await m.get(id))!;
          const event: BookingEvent = snap.state === "failed" ? "retry" : "fail";
          const r = await m.send(id, event, { expectedVersion: snap.version });
          maxAcked = Math.max(maxAcked, r.version);
        } catch (e) {
          if (e instanceof VersionConflictError) continue;
          failures.push(e);
          return;
        }
      }
    });
    await new Promise((r) => setTimeout(r, 400));
    await redis.kill();
    await Promise.all(workers);
    expect(failures.length).toBe(4);
    for (const e of failures) expect(isStoreFailure(e), String(e)).toBe(true);
    expect(maxAcked).toBeGreaterThan(3);

    await redis.start();
    const snap = (await until(() => m.get(id)))!;
    const h = await m.history(id, { limit: 10_000 });
    expect(snap.version).toBeGreaterThanOrEqual(maxAcked);
    expect(h.map((e) => e.version)).toEqual(Array.from({ length: snap.version }, (_, i) => i + 1));
    expect(h.at(-1)!.to).toBe(snap.state);
  });
});

describe.runIf(hasRedis)("state machine whose event log is down", () => {
  const log = onPrivateRedis();
  let machineStore: Store;
  beforeAll(async () => {
    machineStore = await createStore({
      type: "redis",
      redis: { host: "127.0.0.1", port: inject("redisPort")! },
      env: {},
      checkServer: false,
      prefix: `t:${randomUUID().slice(0, 8)}:`,
    });
  });
  afterAll(async () => {
    await machineStore?.close();
  });

  it("commits the transition, reports eventLog: failed and counts it; never throws", async () => {
    const { redis: logRedis, store: logStore } = log;
    const events = createEventLog(logStore);
    const m = createMachine(machineStore, { ...bookingDefinition, name: "logdown" }, { eventLog: events });
    const id = `b-${randomUUID()}`;
    expect((await m.create(id)).eventLog).toBe("appended");
    await logRedis.kill();
    const r = await m.send(id, "verify_capacity", { expectedVersion: 1 });
    expect(r).toMatchObject({ to: "capacity_verified", version: 2, eventLog: "failed" });
    expect((await m.get(id))!.version).toBe(2);
    const metric = await holdfastRegistry.getSingleMetric("holdfast_machine_event_log_failures_total")!.get();
    expect(metric.values.find((v) => v.labels.machine === "logdown")?.value).toBe(1);
    await logRedis.start();
    await until(() => events.serverTime());
    expect((await m.send(id, "queue")).eventLog).toBe("appended");
  });
});
