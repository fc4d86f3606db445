import { z } from "zod";
import { createLocks } from "../../lock/index.js";
import type { Lease } from "../../lock/types.js";
import type { ServerContext } from "../context.js";
import { routeGroup } from "../route.js";
import { HttpError } from "../http-errors.js";
import {
  durationMs,
  errorResponse,
  isDurationMs,
  isName,
  metadata,
  nameParam,
  pageOrBadRequest,
  pageQuery,
} from "./common.js";
import { isStringOfLength, objectWithKeysIn, withFastParse } from "../fast-parse.js";
import { MAX_NAME_LENGTH } from "../../util/validate.js";
import {
  lockForceReleasedReply,
  lockInfoReply,
  lockLeaseReply,
  lockListReply,
  lockReleasedReply,
  multiLeaseReply,
} from "../replies/locks.js";

const keyParams = withFastParse(z.object({ key: nameParam }), (v) => {
  const o = objectWithKeysIn(v, ["key"]);
  return o && isName(o.key) ? { key: o.key } : undefined;
});
const MAX_TOKEN_LENGTH = 200;
const leaseBody = withFastParse(
  z.object({
    token: z.string().min(1).max(MAX_TOKEN_LENGTH).describe("The owner token returned by acquire"),
    ttlMs: durationMs.optional(),
  }),
  (v) => {
    const o = objectWithKeysIn(v, ["token", "ttlMs"]);
    if (!o || !isStringOfLength(o.token, 1, MAX_TOKEN_LENGTH)) return undefined;
    if (o.ttlMs === undefined) return "ttlMs" in o ? undefined : { token: o.token };
    return isDurationMs(o.ttlMs) ? { token: o.token, ttlMs: o.ttlMs } : undefined;
  },
);
const releaseBody = withFastParse(leaseBody.pick({ token: true }), (v) => {
  const o = objectWithKeysIn(v, ["token"]);
  return o && isStringOfLength(o.token, 1, MAX_TOKEN_LENGTH) ? { token: o.token } : undefined;
});
const acquireBody = withFastParse(
  z
    .object({
      ttlMs: durationMs.optional().describe("Lease length in ms (default 30000)"),
      waitMs: z
        .number()
        .int()
        .min(0)
        .max(60_000)
        .optional()
        .describe("How long to wait for a held lock, in ms (default 0)"),
      mode: z.enum(["exclusive", "read"]).optional(),
      metadata: metadata.optional().describe("Shown to admins and to conflicting callers"),
    })
    .default({}),
  // The common bodies: none, or a ttlMs (metadata, waitMs and mode go through zod).
  (v) => {
    if (v === undefined) return undefined;
    const o = objectWithKeysIn(v, ["ttlMs"]);
    if (!o) return undefined;
    if (!("ttlMs" in o)) return {};
    return isDurationMs(o.ttlMs) ? { ttlMs: o.ttlMs } : undefined;
  },
);

/** The lease as JSON (`success`, `locked` and `lockId` are deprecated aliases: see replies/locks.ts). */
function leaseJson(lease: Lease, now = Date.now()) {
  return {
    success: true,
    locked: true,
    key: lease.key,
    lockId: lease.token,
    token: lease.token,
    fence: lease.fence,
    mode: lease.mode,
    ttlMs: lease.ttlMs,
    expiresIn: Math.max(0, lease.expiresAt - now),
    expiresAt: lease.expiresAt,
  };
}

/** `/v1/locks/…`: acquire, refresh, release, get, list (admin), force-release (admin). */
export function registerLockRoutes(ctx: ServerContext): void {
  const route = routeGroup(ctx, "locks", (store) => createLocks(store));

  route({
    method: "POST",
    url: "/v1/locks/:key/acquire",
    operationId: "acquireLock",
    scope: "client",
    summary: "Acquire a lock (lease with owner token and fencing token) in one round trip",
    description:
      'Exclusive by default; `mode: "read"` takes a shared read lease. With `waitMs`, retries with backoff until then.',
    params: keyParams,
    body: acquireBody,
    responses: {
      200: { description: "Acquired: the lease, with its fencing token", schema: lockLeaseReply },
      400: errorResponse("Invalid key or body"),
      409: errorResponse(
        "Held by someone else: `remainingTtlMs` says for how long; or closed by its last holder (`HOLDFAST_LOCK_CLOSED`)",
      ),
      503: errorResponse("Store unreachable: nothing was acquired (fail closed)"),
    },
    handler: async ({ params, body }, locks) => {
      const opts = { ttlMs: body.ttlMs, waitMs: body.waitMs, metadata: body.metadata };
      const lease =
        body.mode === "read"
          ? await locks.acquireRead(params.key, opts)
          : await locks.acquire(params.key, opts);
      return leaseJson(lease);
    },
  });

  route({
    method: "POST",
    url: "/v1/locks/:key/refresh",
    operationId: "refreshLock",
    scope: "client",
    summary: "Extend a lease you still own (never re-acquires an expired lock)",
    params: keyParams,
    body: leaseBody,
    responses: {
      200: { description: "Extended: the lease with its new expiry (same fence)", schema: lockLeaseReply },
      409: errorResponse("Not the owner any more (expired, released, or someone else's token)"),
    },
    handler: async ({ params, body }, locks) =>
      leaseJson(await locks.refresh({ key: params.key, token: body.token }, body.ttlMs)),
  });

  route({
    method: "POST",
    url: "/v1/locks/:key/release",
    operationId: "releaseLock",
    scope: "client",
    summary: "Release a lease you own",
    params: keyParams,
    body: releaseBody,
    responses: {
      200: { description: "Released", schema: lockReleasedReply },
      409: errorResponse("Not the owner"),
    },
    handler: async ({ params, body }, locks) => {
      await locks.release({ key: params.key, token: body.token });
      return { success: true, released: true, key: params.key };
    },
  });

  route({
    method: "GET",
    url: "/v1/locks/:key",
    operationId: "getLock",
    scope: "client",
    summary: "Whether a key is locked, its fence, metadata and remaining TTL (never the owner token)",
    params: keyParams,
    responses: {
      200: { description: "Locked: mode, fence, metadata, remaining TTL", schema: lockInfoReply },
      404: errorResponse("Not locked"),
    },
    handler: async ({ params }, locks) => {
      const info = await locks.get(params.key);
      if (!info)
        throw new HttpError(404, "HOLDFAST_LOCK_NOT_FOUND", `"${params.key}" is not locked.`, {
          key: params.key,
        });
      return info;
    },
  });

  route({
    method: "GET",
    url: "/v1/locks",
    operationId: "listLocks",
    scope: "admin",
    summary: "List active locks of the tenant (admin), a page at a time, without KEYS",
    description:
      "Pass `nextCursor` back as `cursor` for the next page (null: done). Each page does bounded work, so a page may be short, even empty, while more follow.",
    query: z.object({
      prefix: z.string().max(MAX_NAME_LENGTH).optional(),
      ...pageQuery(10_000),
      includeTokens: z.enum(["true", "false"]).optional(),
    }),
    responses: {
      200: { description: "A page of active locks with remaining TTL and metadata", schema: lockListReply },
    },
    handler: async ({ query }, locks) => {
      const page = await pageOrBadRequest(() =>
        locks.listPage({
          prefix: query.prefix,
          limit: query.limit ?? 100,
          cursor: query.cursor,
          includeTokens: query.includeTokens === "true",
        }),
      );
      return { locks: page.items, count: page.items.length, nextCursor: page.nextCursor };
    },
  });

  route({
    method: "DELETE",
    url: "/v1/locks/:key",
    operationId: "forceReleaseLock",
    scope: "admin",
    summary: "Force-release a lock whoever holds it (admin); its next holder still gets a higher fence",
    params: keyParams,
    responses: { 200: { description: "Released (or was not held)", schema: lockForceReleasedReply } },
    handler: async ({ params }, locks) => ({
      key: params.key,
      released: await locks.forceRelease(params.key),
    }),
  });

  route({
    method: "POST",
    url: "/v1/locks/acquire-many",
    operationId: "acquireManyLocks",
    scope: "client",
    summary: "Lock several keys of one hash slot, all or nothing",
    body: z.object({
      keys: z.array(nameParam).min(1).max(64),
      ttlMs: durationMs.optional(),
      waitMs: z.number().int().min(0).max(60_000).optional(),
      metadata: metadata.optional(),
    }),
    responses: {
      200: { description: "All acquired: one token, a fence per key", schema: multiLeaseReply },
      400: errorResponse("Keys do not share a hash tag"),
      409: errorResponse("One of them is held"),
    },
    handler: async ({ body }, locks) => {
      const lease = await locks.acquireMany(body.keys, {
        ttlMs: body.ttlMs,
        waitMs: body.waitMs,
        metadata: body.metadata,
      });
      return {
        success: true,
        locked: true,
        keys: lease.keys,
        lockId: lease.token,
        token: lease.token,
        fences: lease.fences,
        expiresAt: lease.expiresAt,
        ttlMs: lease.ttlMs,
      };
    },
  });
}
