/**
 * Seed 004's lock service as its authors wrote it, shared by the two hand-written peers of
 * bench/http.ts: ioredis, `SET key lockId PX ttl NX` with a random lockId, `PTTL` for the
 * conflict's remainingTTL, and a Lua compare-and-delete on release. The seed's key, routes, bodies
 * and reply shapes; no fencing token, no slot record, no auth, no logging (what a user writes by hand).
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { envInt } from "../env.js";

const RELEASE_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
const LOCK_TTL = envInt("LOCK_TTL", 120_000, 1);

/** A route's reply: its status and its JSON body. */
export interface Reply {
  status: number;
  body: unknown;
}

type LockRedis = Redis & { releaseLock(key: string, lockId: string): Promise<number> };

export function connect(): LockRedis {
  const redis = new Redis({
    host: process.env.REDIS_HOST ?? "127.0.0.1",
    port: envInt("REDIS_PORT", 6379, 1),
    lazyConnect: false,
  });
  redis.defineCommand("releaseLock", { numberOfKeys: 1, lua: RELEASE_LUA });
  return redis as LockRedis;
}

/** Seed 004's request body (each field unchecked until {@link missing} has looked). */
export interface SlotBody {
  tenantId?: unknown;
  resourceId?: unknown;
  date?: unknown;
  startTime?: unknown;
  duration?: unknown;
  lockId?: unknown;
}

/** The seed's 400 for the first of `fields` that is not a non-empty string, if any. */
export function missing(body: SlotBody, fields: (keyof SlotBody)[]): Reply | undefined {
  for (const f of fields) {
    if (typeof body[f] !== "string" || body[f] === "")
      return { status: 400, body: { success: false, message: `Missing required field: ${f}` } };
  }
  return undefined;
}

/** The seed's lock key for a slot (its hash tag keeps one tenant's resource on one Cluster slot). */
export const slotKey = (b: SlotBody) =>
  `booking_lock:{${b.tenantId as string}|${b.resourceId as string}}:${b.date as string}:${b.startTime as string}`;

/** The seed's 409 for a slot locked by someone else. */
export function slotLocked(remainingTTL: number): Reply {
  return {
    status: 409,
    body: {
      success: false,
      locked: false,
      reason: "slot_locked",
      message: "Slot is currently locked by another user",
      remainingTTL,
    },
  };
}

export async function acquire(redis: LockRedis, body: SlotBody): Promise<Reply> {
  const bad = missing(body, ["tenantId", "resourceId", "date", "startTime"]);
  if (bad) return bad;
  const k = slotKey(body);
  const lockId = randomUUID();
  const ok = await redis.set(k, lockId, "PX", LOCK_TTL, "NX");
  if (ok !== "OK") return slotLocked(await redis.pttl(k));
  return {
    status: 200,
    body: { success: true, locked: true, lockId, expiresIn: LOCK_TTL, expiresAt: Date.now() + LOCK_TTL },
  };
}

export async function release(redis: LockRedis, body: SlotBody): Promise<Reply> {
  const bad = missing(body, ["tenantId", "resourceId", "date", "startTime", "lockId"]);
  if (bad) return bad;
  const released = (await redis.releaseLock(slotKey(body), body.lockId as string)) === 1;
  return {
    status: 200,
    body: released
      ? { success: true, released: true }
      : { success: true, released: false, message: "The lock had already expired or was released." },
  };
}
