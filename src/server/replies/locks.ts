/** Reply schemas of `/v1/locks/…`. */
import { z } from "zod";
import { epochMs, int, jsonObject } from "./common.js";

const leaseMode = z.enum(["exclusive", "read"]);

/**
 * Seed 004's field names, which early versions of these replies carried beside Holdfast's. They are
 * deprecated (marked so in /openapi.json) and kept only so that clients written against them keep
 * working: an app that wants seed 004's shapes maps them itself, as examples/appointment-locks does.
 */
const alwaysTrue = z
  .literal(true)
  .meta({ deprecated: true, description: "Deprecated: always true; the status says it" });
const lockId = z.string().meta({ deprecated: true, description: "Deprecated: the same as `token`" });

/** An acquired or refreshed lease. */
export const lockLeaseReply = z
  .object({
    success: alwaysTrue,
    locked: alwaysTrue,
    key: z.string(),
    lockId,
    token: z.string().describe("The owner token: refresh and release need it; keep it secret"),
    fence: int().describe("Fencing token: strictly increasing per key; send it with every write"),
    mode: leaseMode,
    ttlMs: int(),
    expiresIn: int().describe("ms until the lease ends unless refreshed (this server's clock, for display)"),
    expiresAt: epochMs("When the lease ends unless refreshed (store clock)"),
  })
  .meta({ id: "LockLease" });

export const lockReleasedReply = z.object({
  success: alwaysTrue,
  released: z.literal(true),
  key: z.string(),
});

/** A held lock as admins and `GET /v1/locks/:key` see it (never the token, unless asked for by an admin). */
export const lockInfoReply = z
  .object({
    key: z.string(),
    mode: leaseMode,
    fence: int(),
    metadata: jsonObject.optional(),
    remainingTtlMs: int(),
    readers: int().describe("How many readers hold it (0 for an exclusive lock)"),
    token: z.string().optional().describe("Only with `includeTokens=true` (admin)"),
  })
  .meta({ id: "LockInfo" });

export const lockListReply = z.object({
  locks: z.array(lockInfoReply),
  count: int(),
  nextCursor: z.string().nullable().describe("Pass it as `cursor` for the next page; null when done"),
});

export const lockForceReleasedReply = z.object({
  key: z.string(),
  released: z.boolean().describe("false when it was not held"),
});

export const multiLeaseReply = z.object({
  success: alwaysTrue,
  locked: alwaysTrue,
  keys: z.array(z.string()),
  lockId,
  token: z.string(),
  fences: z.array(int()).describe("Each key's fencing token, in the order of `keys`"),
  expiresAt: epochMs("When every lease ends unless refreshed (store clock)"),
  ttlMs: int(),
});
