/**
 * Seed 004's two lock routes on bare `node:http` + the public `holdfast` library (bench/http.ts's
 * peer): the floor's plumbing (bare-http.ts) and the seed's validation and key, with `acquire` and
 * `release` of `createLocks` in place of SET NX PX and the compare-and-delete. So every guarantee
 * of Holdfast's lock scripts is paid for (fencing token, closed-name and read-lock checks) and none
 * of Fastify's or serve's HTTP layer is: the ceiling of a hand-written fast path inside serve.
 * PORT, HOST, REDIS_HOST, REDIS_PORT, LOCK_TTL (ms), HOLDFAST_LOG_LEVEL.
 */
import {
  createLocks,
  createStore,
  isLockClosedError,
  isLockConflictError,
  isLockNotOwnedError,
} from "holdfast";
import { serveSeedRoutes } from "./bare-http.js";
import { missing, slotKey, slotLocked, type Reply, type SlotBody } from "./seed-lock-core.js";
import { envInt } from "../env.js";

const LOCK_TTL = envInt("LOCK_TTL", 120_000, 1);

const store = await createStore({
  type: "redis",
  redis: { host: process.env.REDIS_HOST ?? "127.0.0.1", port: envInt("REDIS_PORT", 6379, 1) },
  // As `holdfast serve` runs its store (src/server/serve.ts): a request's command is issued in its
  // own tick, so corking the socket to the end of the tick would gather nothing and cost CPU.
  coalesceWrites: false,
});
const locks = createLocks(store, { ttlMs: LOCK_TTL });

/** The seed's 409 for a held slot, or the app's for a booked (closed) one. */
function conflict(e: unknown): Reply | undefined {
  if (isLockConflictError(e)) return slotLocked(e.remainingTtlMs);
  if (isLockClosedError(e))
    return {
      status: 409,
      body: {
        success: false,
        locked: false,
        reason: "slot_booked",
        message: "This slot has already been booked.",
      },
    };
  return undefined;
}

async function acquire(body: SlotBody): Promise<Reply> {
  const bad = missing(body, ["tenantId", "resourceId", "date", "startTime"]);
  if (bad) return bad;
  try {
    const lease = await locks.acquire(slotKey(body), { ttlMs: LOCK_TTL });
    return {
      status: 200,
      body: {
        success: true,
        locked: true,
        lockId: lease.token,
        expiresIn: LOCK_TTL,
        expiresAt: lease.expiresAt,
        fence: lease.fence,
      },
    };
  } catch (e) {
    const reply = conflict(e);
    if (reply) return reply;
    throw e; // A store failure: bare-http.ts answers 503 (nothing was acquired).
  }
}

async function release(body: SlotBody): Promise<Reply> {
  const bad = missing(body, ["tenantId", "resourceId", "date", "startTime", "lockId"]);
  if (bad) return bad;
  try {
    await locks.release({ key: slotKey(body), token: body.lockId as string });
    return { status: 200, body: { success: true, released: true } };
  } catch (e) {
    if (isLockNotOwnedError(e) || isLockClosedError(e))
      return {
        status: 200,
        body: { success: true, released: false, message: "The lock had already expired or was released." },
      };
    throw e;
  }
}

serveSeedRoutes("holdfast library locks", { acquire, release }, () => store.close());
