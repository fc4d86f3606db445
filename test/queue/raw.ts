/**
 * Reads what a primitive really wrote, straight from the MemoryDb or from Redis, so tests can check
 * the stored layout (not only what the API says).
 */
import { MemoryStore } from "../../src/store/memory/memory-store.js";
import { RedisStore } from "../../src/store/redis/redis-store.js";
import type { Store } from "../../src/store/types.js";
import { storeNow } from "../support/stores.js";

/** Members of a sorted set in rank order, with scores. */
export async function rawZset(store: Store, key: string): Promise<{ member: string; score: number }[]> {
  if (store instanceof MemoryStore) {
    store.db.now = storeNow(store);
    return store.db.zrange(key, 0, -1).map((e) => ({ ...e }));
  }
  const flat = await (store as RedisStore).client.zrange(key, 0, -1, "WITHSCORES");
  const out: { member: string; score: number }[] = [];
  for (let i = 0; i < flat.length; i += 2) out.push({ member: flat[i], score: Number(flat[i + 1]) });
  return out;
}

/** Every key under the store's prefix with its whole value as text (type-aware). */
export async function rawDump(store: Store): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const keys: string[] = [];
  for await (const k of store.scan(`${store.keys.prefix}*`)) keys.push(k);
  for (const key of keys) {
    if (store instanceof MemoryStore) {
      const db = store.db;
      const type = db.type(key);
      const value =
        type === "string"
          ? db.get(key)
          : type === "hash"
            ? JSON.stringify([...db.hgetall(key)])
            : type === "zset"
              ? JSON.stringify(db.zrange(key, 0, -1))
              : `<${type}>`;
      out.set(key, value ?? "");
    } else {
      const c = (store as RedisStore).client;
      const type = await c.type(key);
      const value =
        type === "string"
          ? await c.get(key)
          : type === "hash"
            ? JSON.stringify(await c.hgetall(key))
            : type === "zset"
              ? JSON.stringify(await c.zrange(key, 0, -1, "WITHSCORES"))
              : `<${type}>`;
      if (type !== "none") out.set(key, value ?? "");
    }
  }
  return out;
}

/** Remaining TTL of a key in ms (PTTL semantics: -1 none, -2 missing). */
export async function rawPttl(store: Store, key: string): Promise<number> {
  if (store instanceof MemoryStore) {
    store.db.now = storeNow(store);
    return store.db.pttl(key);
  }
  return (store as RedisStore).client.pttl(key);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
